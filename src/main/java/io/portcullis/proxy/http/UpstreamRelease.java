package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;

/**
 * What every {@link UpstreamSource} does to an upstream HTTP connection between two exchanges:
 * take it back from its exchange, close it or keep it idle, and check a kept one before it carries
 * the next request. {@link UpstreamPool} and {@link CapturedUpstreams} differ in how many they keep
 * and for which requests, not in these steps. Runs on the connection's event loop.
 */
final class UpstreamRelease {
    private UpstreamRelease() {
    }

    /**
     * Detaches the exchange from {@code upstream}, then closes it unless {@code keep} and it is still
     * open; a kept connection reads while idle, so the server's close (or anything it says) ends it.
     *
     * @return whether the connection was kept
     */
    static boolean detach(Channel upstream, boolean keep) {
        UpstreamExchangeHandler handler = UpstreamExchangeHandler.of(upstream);
        if (handler != null) {
            handler.detach();
        }
        if (!keep || !upstream.isActive()) {
            close(upstream);
            return false;
        }
        upstream.config().setAutoRead(true);
        return true;
    }

    /** Whether a kept connection can carry a request: open, and the server has not ended its side. */
    static boolean usable(Channel kept) {
        return kept.isActive() && !(kept instanceof DuplexChannel d && d.isInputShutdown());
    }

    /** Closes {@code upstream}; fire-and-forget: nothing here acts on how the close ends. */
    static void close(Channel upstream) {
        ChannelFuture unused = upstream.close();
    }
}
