package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.model.ServiceEntry;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.tls.TlsOriginator;
import java.net.InetSocketAddress;
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
 * {@link #IDLE_TIMEOUT}, when the server closes it, or when the pool for its key is full.
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
                if (ch.isActive() && !(ch instanceof DuplexChannel d && d.isInputShutdown())
                        && ch.remoteAddress() instanceof InetSocketAddress a
                        && connector.guard().refusal(a.getAddress(), entry).isEmpty()) {
                    return loop.newSucceededFuture(new UpstreamLease(ch, true));
                }
                ch.close();
            }
        }
        return open(loop, route, key);
    }

    private Future<UpstreamLease> open(EventLoop loop, Route.Forward route, UpstreamKey key) {
        Promise<UpstreamLease> promise = loop.newPromise();
        connector.connect(loop, route.verdict()).addListener((Future<Channel> connected) -> {
            if (!connected.isSuccess()) {
                promise.tryFailure(connected.cause());
                return;
            }
            Channel ch = connected.getNow();
            ch.attr(KEY).set(key);
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
        UpstreamExchangeHandler handler = UpstreamExchangeHandler.of(upstream);
        if (handler != null) {
            handler.detach();
        }
        UpstreamKey key = upstream.attr(KEY).get();
        if (!reusable || key == null || !upstream.isActive()) {
            upstream.close();
            return;
        }
        Deque<Channel> deque = idleOn(upstream.eventLoop()).computeIfAbsent(key, k -> new ArrayDeque<>());
        deque.addLast(upstream);
        if (deque.size() > MAX_IDLE_PER_KEY) {
            deque.pollFirst().close();
        }
        upstream.config().setAutoRead(true);
        upstream.attr(IDLE_TIMER).set(upstream.eventLoop().schedule(() -> {
            upstream.close();
        }, IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
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
