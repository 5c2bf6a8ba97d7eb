package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.portcullis.policy.Facts;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.ListenerSpec;
import java.net.InetSocketAddress;

/** Starts a connection's {@link Facts} with what its channel knows: the listener and both addresses. */
public final class ChannelFacts {
    private ChannelFacts() {
    }

    /** The explicit proxy or the capture port, serving {@code port}. */
    public static Facts.Builder of(ListenerKind kind, int port, Channel ch) {
        return Facts.of(kind, port).local(ch.localAddress()).remote(ch.remoteAddress());
    }

    /** The explicit proxy: the port is the one the client connected to. */
    public static Facts.Builder of(ListenerKind kind, Channel ch) {
        return of(kind, ch.localAddress() instanceof InetSocketAddress a ? a.getPort() : 0, ch);
    }

    /** A Gateway server's listener. */
    public static Facts.Builder of(ListenerKind kind, ListenerSpec listener, Channel ch) {
        return of(kind, listener.port(), ch).listener(listener);
    }
}
