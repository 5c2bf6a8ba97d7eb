package io.portcullis.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.UpstreamException;

/**
 * The one upstream connection of a CONNECT tunnel that carries plain HTTP: every exchange of the
 * tunnel uses it (the client chose one connection; the gateway does not pool it), and when it
 * cannot be reused the tunnel's upstream side is over.
 */
final class TunnelUpstream implements UpstreamSource {
    private final Channel upstream;
    private boolean used;

    TunnelUpstream(Channel upstream, Channel client) {
        this.upstream = upstream;
        UpstreamExchangeHandler.install(upstream);
        // Either side ending ends the tunnel, as for a byte tunnel.
        upstream.closeFuture().addListener(f -> {
            if (client.isActive()) {
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    @Override
    public Future<UpstreamLease> acquire(EventLoop loop, Route.Forward route, boolean fresh) {
        if (fresh || !upstream.isActive()) {
            return loop.newFailedFuture(new UpstreamException(Reason.UPSTREAM_RESET,
                    "the tunnel's upstream connection to " + route.authority() + " is closed"));
        }
        boolean reused = used;
        used = true;
        return loop.newSucceededFuture(new UpstreamLease(upstream, reused));
    }

    @Override
    public void release(Channel ch, boolean reusable) {
        UpstreamExchangeHandler handler = UpstreamExchangeHandler.of(ch);
        if (handler != null) {
            handler.detach();
        }
        if (!reusable) {
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ch.close();
        }
    }

    @Override
    public void clientClosed() {
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = upstream.close();
    }
}
