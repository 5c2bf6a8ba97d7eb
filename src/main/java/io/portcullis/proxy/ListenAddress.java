package io.portcullis.proxy;

import io.portcullis.policy.HostCanonicalizer;
import java.net.InetSocketAddress;

/**
 * A listening socket's address as people write it, for the start-up and listener log lines:
 * {@code 0.0.0.0:3128}, {@code 127.0.0.1:15000}, {@code [::]:3128}, {@code [2001:db8::1]:443}
 * (IPv6 in brackets and RFC 5952 form, never the JDK's {@code 0:0:0:0:0:0:0:0}).
 */
public final class ListenAddress {
    private ListenAddress() {
    }

    public static String of(InetSocketAddress address) {
        if (address.getAddress() == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        byte[] bytes = address.getAddress().getAddress();
        String host = HostCanonicalizer.format(bytes);
        return (bytes.length == 16 && host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * What was asked for with the port the system chose: a socket bound to {@code 0.0.0.0} may
     * report the IPv6 wildcard (a dual-stack socket), and port 0 means "any".
     */
    public static InetSocketAddress requestedWithPort(InetSocketAddress requested, InetSocketAddress bound) {
        return new InetSocketAddress(requested.getAddress(), bound.getPort());
    }
}
