package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.policy.OwedCheck;
import io.portcullis.policy.UpstreamTarget;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.Relay;
import io.portcullis.telemetry.ConnectionLog;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The upstream connections of one captured HTTP connection (sidecar role). Each is opened by the
 * sidecar's {@link ForwardExecutor}, in the order every captured connection gets: the owed name check
 * (the request's Host must resolve to the address the app connected to), the connect (straight out,
 * or to the egress gateway), and client TLS when the verdict asks for it (ISTIO_MUTUAL with the
 * workload's identity, or SIMPLE/MUTUAL origination from the DestinationRule). The last connection is
 * kept for the next request of the same client connection when that request has the same key:
 * destination, addresses, TLS and the name check it passed. A request naming another Host therefore
 * never rides the previous one's connection, nor its check. Runs on the client's event loop.
 */
final class CapturedUpstreams implements UpstreamSource {
    /** What a kept connection was opened for; a request with another key opens its own. */
    private record Key(Authority authority, UpstreamTarget target, Optional<Verdict.UpstreamTls> tls,
                       List<OwedCheck> owed) {
        static Key of(Route.Forward route) {
            Verdict.Forward v = route.verdict();
            return new Key(route.authority(), v.target(), v.upstreamTls(), v.owed());
        }
    }

    private static final AttributeKey<Key> KEY = AttributeKey.valueOf("portcullis.captured-upstream-key");

    private final ForwardExecutor executor;
    private final ConnectionLog log;
    private @Nullable Channel idle;

    CapturedUpstreams(ForwardExecutor executor, ConnectionLog log) {
        this.executor = executor;
        this.log = log;
    }

    @Override
    public Future<UpstreamLease> acquire(EventLoop loop, Route.Forward route, boolean fresh) {
        Key key = Key.of(route);
        Channel kept = idle;
        idle = null;
        if (kept != null) {
            if (!fresh && UpstreamRelease.usable(kept) && key.equals(kept.attr(KEY).get())) {
                return loop.newSucceededFuture(new UpstreamLease(kept, true));
            }
            UpstreamRelease.close(kept);
        }
        Promise<UpstreamLease> promise = loop.newPromise();
        executor.open(loop, route.verdict(), log).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel ch = f.getNow();
            ch.attr(KEY).set(key);
            UpstreamExchangeHandler.install(ch);
            // The client TLS handshake's hold: nothing is expected before the request (HTTP speaks second).
            Relay.release(ch);
            if (!promise.trySuccess(new UpstreamLease(ch, false))) {
                UpstreamRelease.close(ch);
            }
        });
        return promise;
    }

    @Override
    public void release(Channel upstream, boolean reusable) {
        if (!UpstreamRelease.detach(upstream, reusable)) {
            return;
        }
        Channel previous = idle;
        if (previous != null && previous != upstream) {
            UpstreamRelease.close(previous);
        }
        idle = upstream;
    }

    @Override
    public void clientClosed() {
        Channel kept = idle;
        idle = null;
        if (kept != null) {
            UpstreamRelease.close(kept);
        }
    }
}
