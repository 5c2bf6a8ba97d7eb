package io.portcullis.proxy.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.uring.IoUringChannelOption;
import io.portcullis.model.DestinationRule.TcpKeepalive;
import java.time.Duration;
import jdk.net.ExtendedSocketOptions;

/**
 * {@code connectionPool.tcp.tcpKeepalive} as socket options on an upstream connection:
 * {@code SO_KEEPALIVE} on, then {@code TCP_KEEPIDLE} ({@code time}), {@code TCP_KEEPINTVL}
 * ({@code interval}) and {@code TCP_KEEPCNT} ({@code probes}) where given, through whichever of the
 * io_uring, epoll and NIO transports carries the channel (a config ignores another transport's
 * options). Absent parts keep the system's values, as in Envoy.
 */
public final class TcpKeepaliveOptions {
    private TcpKeepaliveOptions() {
    }

    public static void apply(Channel ch, TcpKeepalive keepalive) {
        ChannelConfig config = ch.config();
        config.setOption(ChannelOption.SO_KEEPALIVE, true);
        keepalive.time().ifPresent(t -> seconds(config, EpollChannelOption.TCP_KEEPIDLE, IoUringChannelOption.TCP_KEEPIDLE,
                NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), t));
        keepalive.interval().ifPresent(t -> seconds(config, EpollChannelOption.TCP_KEEPINTVL,
                IoUringChannelOption.TCP_KEEPINTVL, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), t));
        keepalive.probes().ifPresent(n -> {
            config.setOption(EpollChannelOption.TCP_KEEPCNT, n);
            config.setOption(IoUringChannelOption.TCP_KEEPCNT, n);
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), n);
        });
    }

    /** The kernel counts these in whole seconds; a shorter duration is one second. */
    private static void seconds(ChannelConfig config, ChannelOption<Integer> epoll, ChannelOption<Integer> uring,
                                ChannelOption<Integer> nio, Duration d) {
        int s = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (d.toMillis() + 999) / 1000));
        config.setOption(epoll, s);
        config.setOption(uring, s);
        config.setOption(nio, s);
    }
}
