package io.portcullis.policy;

import io.portcullis.model.Cidr;

/**
 * The address ranges an egress gateway must not reach unless told to: loopback, private
 * (RFC 1918), carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local,
 * multicast, unspecified, documentation (RFC 5737, RFC 3849: never routed on the Internet, so a
 * name resolving there points inside some network), and their relatives from the IANA special-purpose registries. IPv6
 * forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the address they
 * carry, so {@code [64:ff9b::7f00:1]} is loopback; Teredo is refused outright (its embedded
 * address is obfuscated and only a tunnel interface would reach it). Pure and thread-safe.
 */
public final class SpecialAddresses {
    private static final AddressTrie<String> RANGES = new AddressTrie<>();

    static {
        add("0.0.0.0/8", "unspecified (\"this network\", 0.0.0.0/8)");
        add("10.0.0.0/8", "private (RFC 1918, 10.0.0.0/8)");
        add("100.64.0.0/10", "carrier-grade NAT (RFC 6598, 100.64.0.0/10)");
        add("127.0.0.0/8", "loopback (127.0.0.0/8)");
        add("169.254.0.0/16", "link-local (169.254.0.0/16, where cloud metadata services listen)");
        add("172.16.0.0/12", "private (RFC 1918, 172.16.0.0/12)");
        add("192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)");
        add("192.0.2.0/24", "documentation (RFC 5737 TEST-NET-1, 192.0.2.0/24)");
        add("192.168.0.0/16", "private (RFC 1918, 192.168.0.0/16)");
        add("198.18.0.0/15", "benchmarking (RFC 2544, 198.18.0.0/15)");
        add("198.51.100.0/24", "documentation (RFC 5737 TEST-NET-2, 198.51.100.0/24)");
        add("203.0.113.0/24", "documentation (RFC 5737 TEST-NET-3, 203.0.113.0/24)");
        add("224.0.0.0/4", "multicast (224.0.0.0/4)");
        add("240.0.0.0/4", "reserved (240.0.0.0/4, incl. broadcast)");
        add("::/128", "unspecified (::)");
        add("::1/128", "loopback (::1)");
        add("::/96", "IPv4-compatible (deprecated, ::/96)");
        add("2001::/32", "Teredo tunnel (2001::/32)");
        add("2001:db8::/32", "documentation (RFC 3849, 2001:db8::/32)");
        add("fc00::/7", "unique-local (RFC 4193, fc00::/7)");
        add("fe80::/10", "link-local (fe80::/10)");
        add("fec0::/10", "site-local (deprecated, fec0::/10)");
        add("ff00::/8", "multicast (ff00::/8)");
    }

    private SpecialAddresses() {
    }

    private static void add(String cidr, String label) {
        RANGES.putIfAbsent(Cidr.parse(cidr), label);
    }

    /**
     * What kind of non-public address {@code address} (4 or 16 bytes) is, e.g.
     * {@code loopback (127.0.0.0/8)}; null for an ordinary public address.
     */
    public static String classify(byte[] address) {
        byte[] embedded = embeddedIpv4(address);
        if (embedded != null) {
            String inner = RANGES.match(embedded);
            return inner == null ? null : "carries " + HostCanonicalizer.format(embedded) + ", " + inner;
        }
        return RANGES.match(address);
    }

    /** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) or 6to4 (2002::/16) address. */
    static byte[] embeddedIpv4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        if (prefix(a, new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
                || prefix(a, new int[] {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})
                || prefix(a, new int[] {0, 0x64, 0xff, 0x9b, 0, 1})) {
            return new byte[] {a[12], a[13], a[14], a[15]};
        }
        if ((a[0] & 0xff) == 0x20 && (a[1] & 0xff) == 0x02) {
            return new byte[] {a[2], a[3], a[4], a[5]};
        }
        return null;
    }

    private static boolean prefix(byte[] a, int[] p) {
        for (int i = 0; i < p.length; i++) {
            if ((a[i] & 0xff) != p[i]) {
                return false;
            }
        }
        return true;
    }
}
