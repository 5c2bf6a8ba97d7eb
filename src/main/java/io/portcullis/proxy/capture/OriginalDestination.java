package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where a connection was going before iptables {@code REDIRECT} sent it to the capture port:
 * Linux's {@code getsockopt(SOL_IP, SO_ORIGINAL_DST)} ({@code SOL_IPV6, IP6T_SO_ORIGINAL_DST} for
 * IPv6), which reads the connection's NAT entry in conntrack. Netty's epoll channel has no named
 * option for it, but its public {@link RawUnixChannelOption} passes any {@code getsockopt} through
 * its own JNI, so no extra native code is needed. Answers the {@code sockaddr_in}/{@code sockaddr_in6}
 * the kernel fills in. Cheap (one system call); safe on the channel's event loop.
 */
public final class OriginalDestination {
    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    /** {@code SO_ORIGINAL_DST} of linux/netfilter_ipv4.h, and {@code IP6T_SO_ORIGINAL_DST} (same number). */
    private static final int SO_ORIGINAL_DST = 80;
    private static final RawUnixChannelOption V4 = new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP, SO_ORIGINAL_DST, 16);
    private static final RawUnixChannelOption V6 = new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6,
            SO_ORIGINAL_DST, 28);
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private OriginalDestination() {
    }

    /**
     * The original destination of an accepted, redirected connection.
     *
     * @throws IOException when the channel is not an epoll channel or the connection was not
     *                     redirected (no NAT entry)
     */
    public static InetSocketAddress of(Channel ch) throws IOException {
        if (!(ch instanceof EpollSocketChannel)) {
            throw new IOException("the capture listener needs Linux epoll to read SO_ORIGINAL_DST");
        }
        boolean v4 = ((InetSocketAddress) ch.remoteAddress()).getAddress() instanceof Inet4Address;
        try {
            ByteBuffer raw = ch.config().getOption(v4 ? V4 : V6);
            return parse(raw);
        } catch (ChannelException e) {
            throw new IOException("no original destination (" + (e.getMessage() == null ? e : e.getMessage())
                    + "): the connection was not redirected by iptables", e);
        }
    }

    /** Decodes a {@code sockaddr_in} or {@code sockaddr_in6}: family in host order, port and address in network order. */
    static InetSocketAddress parse(ByteBuffer raw) throws IOException {
        ByteBuffer b = raw.duplicate().order(ByteOrder.nativeOrder());
        int family = b.getShort(0) & 0xffff;
        int port = ((b.get(2) & 0xff) << 8) | (b.get(3) & 0xff);
        byte[] address;
        if (family == AF_INET) {
            address = new byte[4];
            for (int i = 0; i < 4; i++) {
                address[i] = b.get(4 + i);
            }
        } else if (family == AF_INET6) {
            address = new byte[16];
            for (int i = 0; i < 16; i++) {
                address[i] = b.get(8 + i);
            }
        } else {
            throw new IOException("SO_ORIGINAL_DST answered address family " + family);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new IOException(e);
        }
    }
}
