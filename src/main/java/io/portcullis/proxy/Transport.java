package io.portcullis.proxy;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The channel classes and event loops of one I/O transport: io_uring, native epoll or NIO. The
 * gateway role takes {@link #configured()}, io_uring where the kernel has it; the sidecar and
 * the admin API take {@link #best()}, epoll where there is one (the capture reads
 * {@code SO_ORIGINAL_DST} through epoll's socket options).
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel,
        Class<? extends DatagramChannel> datagramChannel) {

    /** The system property that picks a transport: {@code epoll}, {@code io_uring} or {@code nio}. */
    public static final String PROPERTY = "portcullis.transport";

    /** Netty's switch for io_uring's multishot accept, read once when its {@code IoUring} class loads. */
    static final String MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";

    static {
        // A multishot accept that ends in an error (EMFILE at the open-file limit) is re-armed by Netty
        // at once, whatever auto-read says: a tight loop that AcceptBackoff cannot pause. One accept
        // submission per connection costs little next to the dozen other calls each one makes.
        if (System.getProperty(MULTISHOT_ACCEPT) == null) {
            System.setProperty(MULTISHOT_ACCEPT, "false");
        }
    }

    /**
     * The gateway role's transport: the one {@value #PROPERTY} names, else io_uring where the
     * kernel has it (it batches the dozen socket calls each proxied connection costs into one
     * submission: bench/RESULTS.md), else {@link #best()}.
     */
    public static Transport configured() {
        String name = System.getProperty(PROPERTY);
        if (name != null && !name.isBlank()) {
            return named(name.trim());
        }
        return IoUring.isAvailable() ? named("io_uring") : best();
    }

    /**
     * The transport of that name: {@code io_uring}, {@code epoll} or {@code nio}.
     *
     * @throws IllegalArgumentException for an unknown name or one this machine cannot run
     */
    public static Transport named(String name) {
        switch (name) {
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("transport epoll is not available here: " + Epoll.unavailabilityCause());
                }
                return epoll();
            }
            case "io_uring" -> {
                if (!IoUring.isAvailable()) {
                    throw new IllegalArgumentException("transport io_uring is not available here: "
                            + IoUring.unavailabilityCause());
                }
                return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                        IoUringSocketChannel.class, IoUringDatagramChannel.class);
            }
            case "nio" -> {
                return nio();
            }
            default -> throw new IllegalArgumentException("unknown transport '" + name + "' (expected: epoll, io_uring or nio)");
        }
    }

    public static Transport best() {
        return Epoll.isAvailable() ? epoll() : nio();
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                EpollSocketChannel.class, EpollDatagramChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                NioSocketChannel.class, NioDatagramChannel.class);
    }

    /**
     * Client sockets of one address family: an IPv4 upstream gets an AF_INET socket rather than a
     * dual-stack AF_INET6 one, which saves a setsockopt per connection and keeps addresses short.
     * (Netty's io_uring channel has no such constructor yet: its sockets stay dual-stack.)
     */
    public ChannelFactory<SocketChannel> socketChannelFactory(SocketProtocolFamily family) {
        if (socketChannel == EpollSocketChannel.class) {
            return () -> new EpollSocketChannel(family);
        }
        if (socketChannel == IoUringSocketChannel.class) {
            return IoUringSocketChannel::new;
        }
        SelectorProvider provider = SelectorProvider.provider();
        return () -> new NioSocketChannel(provider, family);
    }

    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory);
    }
}
