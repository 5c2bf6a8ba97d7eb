package io.portcullis.proxy.pool;

import io.netty.channel.Channel;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Orders a destination's endpoints for one connection, by the DestinationRule's
 * {@code loadBalancer.simple} ({@code ROUND_ROBIN}, {@code RANDOM}, {@code LEAST_REQUEST} and its
 * older name {@code LEAST_CONN}: the fewest open connections first, ties in turn), and by its
 * {@code outlierDetection}, as Envoy's consecutive-5xx and consecutive-gateway-failure detectors
 * count with local-origin errors not split: each use of an endpoint ends with an HTTP status, a
 * failed connect or a reset counting as {@code 503}, a route's timeout before the answer as
 * {@code 504}, a TCP connection that connected as {@code 200} ({@link #observe}). A streak of 5xx
 * (or of 502/503/504) as long as the detector's count ejects the endpoint (tried last), with at
 * most {@code maxEjectionPercent} of the endpoints (at least one) out at once.
 *
 * <p>How long, as Envoy's ejection time backoff: each ejection adds one to the endpoint's
 * multiplier (while {@code baseEjectionTime} times it is under {@code max_ejection_time} plus one
 * base), the ejection lasts {@code baseEjectionTime} times the multiplier, at most
 * {@code max_ejection_time} (Envoy's default, which Istio keeps: 300 s or the base if longer), and
 * the multiplier drops by one for each {@code interval} the endpoint then stays in service. Envoy
 * counts those intervals on a timer; here they are counted when the endpoint is next ejected,
 * from the end of its last ejection, which gives the number Envoy's timer reaches.
 *
 * <p>The connector tries the endpoints in this order, so an ejected endpoint is still used when
 * every other one fails. Thread-safe; state is per destination.
 */
public final class EndpointBalancer {
    private static final Duration MAX_EJECTION = Duration.ofMinutes(5);
    /** The status a failed connect or a reset before any answer counts as (Envoy maps local-origin failures so). */
    public static final int LOCAL_FAILURE = 503;
    /** The status a route's timeout (or per-try timeout) before the answer counts as (Envoy's local-origin timeout). */
    public static final int LOCAL_TIMEOUT = 504;
    /** The status a TCP connection that connected counts as: its use ends there (Envoy's connect success, final). */
    public static final int CONNECTED = 200;

    /**
     * An endpoint taken out.
     *
     * @param detector {@code consecutive_5xx} or {@code consecutive_gateway_errors}
     * @param streak   the answers in a row that ejected it
     * @param time     how long it is out
     */
    public record Ejection(String destination, Candidate endpoint, String detector, int streak, Duration time) {
    }

    private final Map<String, Destination> byDestination = new ConcurrentHashMap<>();
    private final Consumer<Ejection> ejections;
    private final LongSupplier nanoTime;

    public EndpointBalancer() {
        this(e -> { });
    }

    /** @param ejections told of each ejection, on the thread that observed its last answer */
    public EndpointBalancer(Consumer<Ejection> ejections) {
        this(ejections, System::nanoTime);
    }

    /** @param nanoTime the clock ejections are timed by ({@link System#nanoTime} but in tests) */
    EndpointBalancer(Consumer<Ejection> ejections, LongSupplier nanoTime) {
        this.ejections = ejections;
        this.nanoTime = nanoTime;
    }

    /** {@code candidates} in the order to try them; unchanged without a balancer or outlier detection. */
    public List<Candidate> order(List<Candidate> candidates, UpstreamSettings settings) {
        if (candidates.size() < 2 || (settings.loadBalancer().isEmpty() && settings.outlierDetection().isEmpty())) {
            return candidates;
        }
        Destination d = destination(settings);
        int n = candidates.size();
        List<Candidate> ordered = new ArrayList<>(n);
        String balancer = settings.loadBalancer().orElse("");
        int start = switch (balancer) {
            case "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN" -> (int) Math.floorMod(d.turn.getAndIncrement(), (long) n);
            case "RANDOM" -> ThreadLocalRandom.current().nextInt(n);
            default -> 0;
        };
        for (int i = 0; i < n; i++) {
            ordered.add(candidates.get((start + i) % n));
        }
        if (balancer.equals("LEAST_REQUEST") || balancer.equals("LEAST_CONN")) {
            // Stable: among endpoints with as few connections, the round-robin turn decides.
            ordered.sort(Comparator.comparingInt(c -> d.endpoint(c).active.get()));
        }
        long now = nanoTime.getAsLong();
        ordered.sort(Comparator.comparing(c -> d.endpoint(c).ejectedUntil > now));
        return ordered;
    }

    /**
     * A TCP connection to {@code candidate} connected: that ends its use as far as outlier detection
     * goes (its streaks end); its open connections count until {@code ch} closes.
     */
    public void connected(UpstreamSettings settings, Candidate candidate, Channel ch) {
        opened(settings, candidate, ch);
        observe(settings, candidate, 1, CONNECTED);
    }

    /**
     * An HTTP connection to {@code candidate} connected: its answers, observed one by one, decide
     * (a connect says nothing of them, as in Envoy); its open connections count until {@code ch} closes.
     */
    public void opened(UpstreamSettings settings, Candidate candidate, Channel ch) {
        Endpoint e = destination(settings).endpoint(candidate);
        e.active.incrementAndGet();
        ch.closeFuture().addListener(f -> e.active.decrementAndGet());
    }

    /** A connect to {@code candidate} failed: a local-origin failure, counted as {@value #LOCAL_FAILURE}. */
    public void failed(UpstreamSettings settings, Candidate candidate, int endpoints) {
        observe(settings, candidate, endpoints, LOCAL_FAILURE);
    }

    /**
     * One use of {@code candidate} ended with {@code status} (an HTTP answer, or {@link #LOCAL_FAILURE},
     * {@link #CONNECTED}): a 5xx lengthens its 5xx streak, a 502/503/504 its gateway-error streak too,
     * anything else ends both; a streak as long as its detector's count ejects the endpoint.
     *
     * @param endpoints how many endpoints the destination has (for {@code maxEjectionPercent})
     */
    public void observe(UpstreamSettings settings, Candidate candidate, int endpoints, int status) {
        Optional<OutlierDetection> od = settings.outlierDetection();
        if (od.isEmpty()) {
            return;
        }
        Destination d = destination(settings);
        Endpoint e = d.endpoint(candidate);
        if (status < 500 || status > 599) {
            e.serverErrors.set(0);
            e.gatewayErrors.set(0);
            return;
        }
        int any = e.serverErrors.incrementAndGet();
        boolean gatewayError = status == 502 || status == 503 || status == 504;
        int gateway = gatewayError ? e.gatewayErrors.incrementAndGet() : 0;
        if (!gatewayError) {
            e.gatewayErrors.set(0);
        }
        if (reached(od.get().consecutiveGatewayErrors(), gateway)) {
            eject(settings, d, candidate, e, endpoints, od.get(), "consecutive_gateway_errors", gateway);
        } else if (reached(od.get().consecutive5xxErrors(), any)) {
            eject(settings, d, candidate, e, endpoints, od.get(), "consecutive_5xx", any);
        }
    }

    private static boolean reached(OptionalInt threshold, int streak) {
        return threshold.isPresent() && streak >= threshold.getAsInt();
    }

    private void eject(UpstreamSettings settings, Destination d, Candidate candidate, Endpoint e, int endpoints,
                       OutlierDetection od, String detector, int streak) {
        long now = nanoTime.getAsLong();
        int allowed = Math.max(1, endpoints * od.maxEjectionPercent() / 100);
        long out = d.endpoints.values().stream().filter(x -> x.ejectedUntil > now).count();
        if (e.ejectedUntil > now || out >= allowed) {
            return;
        }
        e.serverErrors.set(0);
        e.gatewayErrors.set(0);
        Duration time = e.nextEjectionTime(now, od);
        e.ejectedUntil = now + time.toNanos();
        ejections.accept(new Ejection(settings.destination(), candidate, detector, streak, time));
    }

    /** Whether {@code candidate} of the destination is ejected now. */
    public boolean ejected(UpstreamSettings settings, Candidate candidate) {
        return destination(settings).endpoint(candidate).ejectedUntil > nanoTime.getAsLong();
    }

    private Destination destination(UpstreamSettings settings) {
        Destination d = byDestination.get(settings.destination());
        return d != null ? d : byDestination.computeIfAbsent(settings.destination(), k -> new Destination());
    }

    private static final class Destination {
        final AtomicLong turn = new AtomicLong();
        final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

        Endpoint endpoint(Candidate c) {
            return endpoints.computeIfAbsent(c.toString(), k -> new Endpoint());
        }
    }

    private static final class Endpoint {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger serverErrors = new AtomicInteger();
        final AtomicInteger gatewayErrors = new AtomicInteger();
        /** Envoy's ejection time backoff: the multiplier of the base ejection time, as of the last ejection. */
        private int backoff;
        volatile long ejectedUntil = Long.MIN_VALUE;

        /**
         * How long an ejection starting {@code now} lasts: the multiplier, less one for each whole
         * {@code interval} since the last ejection ended, plus one (while under the cap), times the base.
         */
        synchronized Duration nextEjectionTime(long now, OutlierDetection od) {
            Duration base = od.baseEjectionTime();
            Duration max = base.compareTo(MAX_EJECTION) > 0 ? base : MAX_EJECTION;
            if (ejectedUntil != Long.MIN_VALUE && now > ejectedUntil) {
                long inService = (now - ejectedUntil) / od.interval().toNanos();
                backoff = (int) Math.max(0, backoff - inService);
            }
            if (base.multipliedBy(backoff).compareTo(max.plus(base)) < 0) {
                backoff++;
            }
            Duration time = base.multipliedBy(backoff);
            return time.compareTo(max) > 0 ? max : time;
        }
    }
}
