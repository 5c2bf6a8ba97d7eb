package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.channel.socket.SocketProtocolFamily;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TransportTest {

    /**
     * The listeners and the connector do not set TCP_NODELAY themselves: they rely on every
     * transport turning it on for accepted and connected sockets, which this pins down.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void acceptedAndConnectedSocketsHaveNagleOff(String name) throws Exception {
        assumeTrue(!name.equals("io_uring") || IoUring.isAvailable(), "io_uring is not available here");
        assumeTrue(!name.equals("epoll") || Epoll.isAvailable(), "epoll is not available here");
        Transport transport = Transport.named(name);
        EventLoopGroup group = transport.newGroup(1);
        try {
            CompletableFuture<Boolean> acceptedNoDelay = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group, group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            acceptedNoDelay.complete(ch.config().getOption(ChannelOption.TCP_NODELAY));
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            Channel client = new Bootstrap().group(group)
                    .channelFactory(transport.socketChannelFactory(SocketProtocolFamily.INET))
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                        }
                    })
                    .connect(server.localAddress()).sync().channel();
            assertThat(client.config().getOption(ChannelOption.TCP_NODELAY)).isTrue();
            assertThat(acceptedNoDelay.get(5, TimeUnit.SECONDS)).isTrue();
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void anUnknownTransportIsRefusedByName() {
        assertThatThrownBy(() -> Transport.named("kqueue"))
                .hasMessage("unknown transport 'kqueue' (expected: epoll, io_uring or nio)");
    }
}
