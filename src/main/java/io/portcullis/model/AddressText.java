package io.portcullis.model;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The one way an address, or a host and port, is written where a person reads it: response
 * bodies, the CLI, {@code check}, logs and the access log. IPv4 as a dotted quad; IPv6 in RFC 5952
 * form (lower case, no leading zeros, the longest run of zero groups as {@code ::}); an
 * IPv4-mapped address ({@code ::ffff:a.b.c.d}) as the IPv4 address a connection to it reaches;
 * and with a port, an IPv6 literal in brackets (RFC 3986): {@code [2001:db8::1337]:1337}. Names
 * pass unchanged. Pure and thread-safe; never consults DNS.
 */
public final class AddressText {
    private AddressText() {
    }

    /** {@code 192.0.2.1}, {@code 2001:db8::1}; 4 or 16 bytes. */
    public static String address(byte[] address) {
        if (address.length == 16 && isMapped(address)) {
            return dottedQuad(address, 12);
        }
        if (address.length == 4) {
            return dottedQuad(address, 0);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        return ipv6(address);
    }

    public static String address(InetAddress address) {
        return address(address.getAddress());
    }

    /** An IPv6 literal (bare or in brackets) as {@code [RFC 5952 text]}; anything else unchanged. */
    public static String host(String host) {
        if (host.indexOf(':') < 0) {
            return host;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] bytes = Cidr.literalBytes(bare);
        return "[" + (bytes == null ? bare : address(bytes)) + "]";
    }

    /** {@code host:port}, with an IPv6 literal bracketed and in RFC 5952 form. */
    public static String hostPort(String host, int port) {
        return host(host) + ":" + port;
    }

    /** {@code 192.0.2.1:80}, {@code [2001:db8::1]:443}; an unresolved address by its name. */
    public static String hostPort(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return hostPort(address.getHostString(), address.getPort());
        }
        if (ip instanceof Inet4Address) {
            // The common case, four times per connection for the access log: one concatenation, no intermediate strings.
            byte[] a = ip.getAddress();
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff) + ":" + address.getPort();
        }
        return host(address(ip)) + ":" + address.getPort();
    }

    /** {@link #hostPort(InetSocketAddress)} for socket addresses; other kinds (Unix sockets) by their own text. */
    public static String of(SocketAddress address) {
        return address instanceof InetSocketAddress a ? hostPort(a) : String.valueOf(address);
    }

    /**
     * RFC 5952 text of 16 bytes as IPv6, without turning an IPv4-mapped address into IPv4
     * (section 5's mixed form {@code ::ffff:192.0.2.1} for those): for prefixes, which keep IPv6
     * meaning.
     */
    public static String ipv6(byte[] a) {
        if (isMapped(a)) {
            return "::ffff:" + dottedQuad(a, 12);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** Whether 16 bytes are an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}). */
    public static boolean isMapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static String dottedQuad(byte[] a, int from) {
        return (a[from] & 0xff) + "." + (a[from + 1] & 0xff) + "." + (a[from + 2] & 0xff) + "." + (a[from + 3] & 0xff);
    }
}
