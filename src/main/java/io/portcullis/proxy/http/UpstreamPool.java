package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.model.ServiceEntry;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.tls.TlsOriginator;
import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.policy.Reason;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.proxy.pool.EndpointHealth;
import io.portcullis.proxy.pool.PoolOverflow;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive upstream HTTP connections, pooled per {@link UpstreamKey} (host, port, addresses,
 * TLS settings) and per event loop: a connection is only ever used on the loop that opened it,
 * so the pool needs no lock and an exchange never crosses threads. The most recently used idle
 * connection is handed out first (fewer, warmer connections); an idle connection closes after
 * {@link #IDLE_TIMEOUT}, when the server closes it, or when the pool for its key is full. A
 * DestinationRule's {@code connectionPool} changes these per destination: its idle timeout, its
 * requests per connection, and a connection limit that makes requests wait (see
 * {@link io.portcullis.proxy.pool.ConnectionPoolLimits}).
 *
 * <p>A reused connection is checked again against the SSRF guard with the entry now allowing the
 * request, so a configuration change can never leave a pooled connection open to an address the
 * new configuration refuses.
 */
public final class UpstreamPool implements UpstreamSource {
    /** How long an idle upstream connection is kept (servers commonly close theirs after 5-75 s). */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Idle connections kept per key and loop: as many as a busy client pool has requests in flight
     * to one destination, or every request beyond the cap would open (and close) a connection of its
     * own; the idle timeout trims them when the load goes.
     */
    static final int MAX_IDLE_PER_KEY = 256;

    private static final AttributeKey<UpstreamKey> KEY = AttributeKey.valueOf("portcullis.upstream-key");
    private static final AttributeKey<ScheduledFuture<?>> IDLE_TIMER = AttributeKey.valueOf("portcullis.idle-timer");
    /** The DestinationRule connectionPool of the connection's destination (issue 14); absent when none applies. */
    private static final AttributeKey<UpstreamSettings> SETTINGS = AttributeKey.valueOf("portcullis.upstream-settings");
    /** Requests the connection has carried, for {@code http.maxRequestsPerConnection}. */
    private static final AttributeKey<Integer> REQUESTS = AttributeKey.valueOf("portcullis.upstream-requests");

    private final UpstreamConnector connector;
    private final TlsOriginator originator;
    private final Map<EventExecutor, Map<UpstreamKey, Deque<Channel>>> idle = new ConcurrentHashMap<>();

    public UpstreamPool(UpstreamConnector connector, TlsOriginator originator) {
        this.connector = connector;
        this.originator = originator;
    }

    @Override
    public Future<UpstreamLease> acquire(EventLoop loop, Route.Forward route, boolean fresh) {
        UpstreamKey key = UpstreamKey.of(route);
        if (!fresh) {
            Deque<Channel> idleHere = idleOn(loop).get(key);
            ServiceEntry entry = route.verdict().matched().map(b -> b.entry()).orElse(null);
            for (Channel ch = idleHere == null ? null : idleHere.pollLast(); ch != null; ch = idleHere.pollLast()) {
                ScheduledFuture<?> timer = ch.attr(IDLE_TIMER).getAndSet(null);
                if (timer != null) {
                    timer.cancel(false);
                }
                // An endpoint outlier detection ejected takes no more requests, as Envoy's balancer no longer picks it.
                if (UpstreamRelease.usable(ch)
                        && !EndpointHealth.of(ch).map(EndpointHealth::ejected).orElse(false)
                        && ch.remoteAddress() instanceof InetSocketAddress a
                        && connector.guard().refusal(a.getAddress(), entry).isEmpty()) {
                    countRequest(ch);
                    return loop.newSucceededFuture(new UpstreamLease(ch, true));
                }
                UpstreamRelease.close(ch);
            }
        }
        return open(loop, route, key);
    }

    private Future<UpstreamLease> open(EventLoop loop, Route.Forward route, UpstreamKey key) {
        Promise<UpstreamLease> promise = loop.newPromise();
        Optional<UpstreamSettings> upstream = connector.upstreamSettings(route.verdict());
        connector.connect(loop, route.verdict(), true).addListener((Future<Channel> connected) -> {
            if (!connected.isSuccess()) {
                // Hook (issue 14, connectionPool): a full pool queues the request (http1MaxPendingRequests).
                if (!(connected.cause() instanceof UpstreamException e && e.reason() == Reason.UPSTREAM_OVERFLOW
                        && upstream.isPresent() && waitForConnection(loop, route, upstream.get(), promise))) {
                    promise.tryFailure(connected.cause());
                }
                return;
            }
            Channel ch = connected.getNow();
            ch.attr(KEY).set(key);
            upstream.ifPresent(s -> ch.attr(SETTINGS).set(s));
            countRequest(ch);
            ch.closeFuture().addListener(f -> forget(ch));
            UpstreamExchangeHandler.install(ch);
            if (route.tls() == null) {
                promise.trySuccess(new UpstreamLease(ch, false));
                return;
            }
            ch.config().setAutoRead(true);
            originator.handshake(ch, route.snapshot(), route.tls(), route.authority().host(), route.authority().port())
                    .addListener((Future<Channel> f) -> {
                        if (f.isSuccess()) {
                            promise.trySuccess(new UpstreamLease(ch, false));
                        } else {
                            promise.tryFailure(f.cause());
                        }
                    });
        });
        return promise;
    }

    @Override
    public void release(Channel upstream, boolean reusable) {
        UpstreamKey key = upstream.attr(KEY).get();
        Optional<ConnectionPool> pool = Optional.ofNullable(upstream.attr(SETTINGS).get()).flatMap(UpstreamSettings::pool);
        if (!UpstreamRelease.detach(upstream, reusable && key != null && keep(upstream, pool))) {
            return;
        }
        Deque<Channel> deque = idleOn(upstream.eventLoop()).computeIfAbsent(key, k -> new ArrayDeque<>());
        deque.addLast(upstream);
        if (deque.size() > MAX_IDLE_PER_KEY) {
            UpstreamRelease.close(deque.pollFirst());
        }
        Duration idleTimeout = pool.flatMap(ConnectionPool::idleTimeout).orElse(IDLE_TIMEOUT);
        upstream.attr(IDLE_TIMER).set(upstream.eventLoop().schedule(() -> UpstreamRelease.close(upstream),
                idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Whether a connection back from its exchange stays for the next: not once it has carried
     * {@code http.maxRequestsPerConnection} requests, nor while requests wait for a connection to
     * its destination (closing it frees a slot for one of them, on whichever loop it waits).
     */
    private boolean keep(Channel upstream, Optional<ConnectionPool> pool) {
        if (pool.isEmpty()) {
            return true;
        }
        Integer carried = upstream.attr(REQUESTS).get();
        if (pool.get().maxRequestsPerConnection().isPresent() && carried != null
                && carried >= pool.get().maxRequestsPerConnection().getAsInt()) {
            return false;
        }
        return !connector.limits().hasWaiters(upstream.attr(SETTINGS).get().destination());
    }

    private static void countRequest(Channel ch) {
        Integer carried = ch.attr(REQUESTS).get();
        ch.attr(REQUESTS).set(carried == null ? 1 : carried + 1);
    }

    /**
     * Queues a request whose destination has its {@code tcp.maxConnections} open, until one closes;
     * false when the destination has no connection limit. Idle connections to the destination, on
     * any loop, are closed to make room. With {@code http1MaxPendingRequests} already waiting, the
     * request fails with overflow (503, {@code UO}).
     */
    private boolean waitForConnection(EventLoop loop, Route.Forward route, UpstreamSettings settings,
                                      Promise<UpstreamLease> promise) {
        Optional<ConnectionPool> pool = settings.pool();
        if (pool.isEmpty() || pool.get().maxConnections().isEmpty()) {
            return false;
        }
        int maxPending = pool.get().http1MaxPendingRequests().orElse(Integer.MAX_VALUE);
        boolean queued = connector.limits().await(settings.destination(), pool.get().maxConnections().getAsInt(),
                maxPending, loop,
                () -> acquire(loop, route, false).addListener((Future<UpstreamLease> f) -> {
                    if (f.isSuccess()) {
                        if (!promise.trySuccess(f.getNow())) {
                            release(f.getNow().channel(), false);
                        }
                    } else {
                        promise.tryFailure(f.cause());
                    }
                }));
        if (!queued) {
            promise.tryFailure(PoolOverflow.pending(settings, pool.get().maxConnections().getAsInt(), maxPending));
            return true;
        }
        for (EventExecutor l : idle.keySet()) {
            l.execute(() -> closeOneIdle(l, settings.destination()));
        }
        return true;
    }

    /** Closes one idle connection to {@code destination} kept on {@code loop}, if there is one; runs on that loop. */
    private void closeOneIdle(EventExecutor loop, String destination) {
        for (Deque<Channel> deque : idleOn(loop).values()) {
            for (Channel ch : deque) {
                UpstreamSettings s = ch.attr(SETTINGS).get();
                if (s != null && s.destination().equals(destination)) {
                    // Fire-and-forget: the void promise takes no listener; nothing here acts on the close.
                    ChannelFuture unused = ch.close(ch.voidPromise());
                    return;
                }
            }
        }
    }

    /** Drops a closed connection from its idle list; runs on the connection's loop. */
    private void forget(Channel ch) {
        UpstreamKey key = ch.attr(KEY).get();
        Map<UpstreamKey, Deque<Channel>> here = idle.get(ch.eventLoop());
        if (key == null || here == null) {
            return;
        }
        Deque<Channel> deque = here.get(key);
        if (deque != null) {
            deque.remove(ch);
            if (deque.isEmpty()) {
                here.remove(key);
            }
        }
    }

    /** The idle lists of one loop; only that loop reads or writes them. */
    private Map<UpstreamKey, Deque<Channel>> idleOn(EventExecutor loop) {
        return idle.computeIfAbsent(loop, l -> new HashMap<>());
    }
}
