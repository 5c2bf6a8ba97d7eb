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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders a destination's endpoints for one connection, by the DestinationRule's
 * {@code loadBalancer.simple} ({@code ROUND_ROBIN}, {@code RANDOM}, {@code LEAST_REQUEST} and its
 * older name {@code LEAST_CONN}: the fewest open connections first, ties in turn), and by its
 * {@code outlierDetection}: an endpoint whose connects failed {@code consecutiveErrors} times in a
 * row is ejected (tried last) for {@code baseEjectionTime} times its number of ejections, capped at
 * 300 s as Envoy's {@code max_ejection_time}, with at most {@code maxEjectionPercent} of the
 * endpoints (at least one) out at once. The connector tries the endpoints in this order, so an
 * ejected endpoint is still used when every other one fails. Thread-safe; state is per destination.
 */
public final class EndpointBalancer {
    private static final Duration MAX_EJECTION = Duration.ofMinutes(5);

    private final Map<String, Destination> byDestination = new ConcurrentHashMap<>();

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
        long now = System.nanoTime();
        ordered.sort(Comparator.comparing(c -> d.endpoint(c).ejectedUntil > now));
        return ordered;
    }

    /** {@code candidate} connected: its failure streak ends; its open connections count until {@code ch} closes. */
    public void connected(UpstreamSettings settings, Candidate candidate, Channel ch) {
        Endpoint e = destination(settings).endpoint(candidate);
        e.failures.set(0);
        e.active.incrementAndGet();
        ch.closeFuture().addListener(f -> e.active.decrementAndGet());
    }

    /** A connect to {@code candidate} failed: one more in its streak, and an ejection once the streak is long enough. */
    public void failed(UpstreamSettings settings, Candidate candidate, int endpoints) {
        Optional<OutlierDetection> od = settings.outlierDetection();
        if (od.isEmpty()) {
            return;
        }
        Destination d = destination(settings);
        Endpoint e = d.endpoint(candidate);
        if (e.failures.incrementAndGet() < od.get().consecutiveErrors()) {
            return;
        }
        long now = System.nanoTime();
        int allowed = Math.max(1, endpoints * od.get().maxEjectionPercent() / 100);
        long out = d.endpoints.values().stream().filter(x -> x.ejectedUntil > now).count();
        if (e.ejectedUntil > now || out >= allowed) {
            return;
        }
        e.failures.set(0);
        Duration time = od.get().baseEjectionTime().multipliedBy(e.ejections.incrementAndGet());
        e.ejectedUntil = now + (time.compareTo(MAX_EJECTION) > 0 ? MAX_EJECTION : time).toNanos();
    }

    /** Whether {@code candidate} of the destination is ejected now (for tests and the operational view). */
    public boolean ejected(UpstreamSettings settings, Candidate candidate) {
        return destination(settings).endpoint(candidate).ejectedUntil > System.nanoTime();
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
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger ejections = new AtomicInteger();
        volatile long ejectedUntil = Long.MIN_VALUE;
    }
}
