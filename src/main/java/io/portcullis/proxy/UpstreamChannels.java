package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Creates, registers and connects an upstream socket channel: what Netty's {@code Bootstrap} does,
 * without what it costs per connection and we never use. A {@code Bootstrap} copies its option map
 * into an array and sets each option anew, adds its handler (here an empty initializer) to the
 * pipeline and removes it again, and looks the loop's address resolver up under a lock, on every
 * connect; our addresses are resolved already. The channel comes back with auto-read off,
 * half-closure allowed and an empty pipeline. TCP_NODELAY is Netty's default for these sockets
 * ({@code TransportTest}). Call on {@code loop}.
 */
final class UpstreamChannels {
    private final ChannelFactory<SocketChannel> ipv4;
    private final ChannelFactory<SocketChannel> ipv6;

    UpstreamChannels(Transport transport) {
        this.ipv4 = transport.socketChannelFactory(SocketProtocolFamily.INET);
        this.ipv6 = transport.socketChannelFactory(SocketProtocolFamily.INET6);
    }

    /**
     * The connect's future. {@code connecting} hears of the channel once it is registered and before
     * its connect is issued: the sidecar's loop detection must know the channel before the SYN can
     * come back to its capture port, accepted on another loop.
     */
    ChannelFuture connect(EventLoop loop, InetSocketAddress address, int connectTimeoutMillis,
                          Consumer<Channel> connecting) {
        Channel ch = (address.getAddress() instanceof Inet6Address ? ipv6 : ipv4).newChannel();
        ChannelConfig config = ch.config();
        config.setAutoRead(false);
        config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        config.setConnectTimeoutMillis(connectTimeoutMillis);
        ChannelPromise connected = ch.newPromise();
        ChannelFuture registered = loop.register(ch);
        if (registered.isDone()) {
            // On the loop itself registration completes at once: no listener needed.
            afterRegister(registered, address, connected, connecting);
        } else {
            registered.addListener((ChannelFuture f) -> afterRegister(f, address, connected, connecting));
        }
        return connected;
    }

    private static void afterRegister(ChannelFuture registered, InetSocketAddress address, ChannelPromise connected,
                                      Consumer<Channel> connecting) {
        Channel ch = registered.channel();
        if (!registered.isSuccess()) {
            // As Bootstrap does: a channel that never registered is closed without the pipeline.
            ch.unsafe().closeForcibly();
            connected.setFailure(registered.cause());
            return;
        }
        connecting.accept(ch);
        // The outcome reaches the caller through the promise passed in; a failed connect closes the
        // socket, as Bootstrap's does.
        ch.connect(address, connected).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
}
