package io.portcullis.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An IPv4 or IPv6 prefix. A bare address is a full-length prefix. Built only through
 * {@link #parse}, which never consults DNS: it accepts literal addresses only.
 *
 * <p>IPv6 text keeps IPv6 meaning, IPv4-mapped forms included: {@code ::ffff:0:0/16} is the IPv6
 * prefix {@code ::/16}, never {@code 0.0.0.0/16}. A prefix of {@code /96} or longer inside
 * {@code ::ffff:0:0/96} (which Istio accepts) also covers the IPv4 range it denotes, since a
 * connection to {@code ::ffff:a.b.c.d} reaches {@code a.b.c.d}: {@code ::ffff:10.0.0.0/104} covers
 * {@code 10.0.0.0/8}, {@code ::ffff:0:0/96} all of IPv4. A shorter IPv6 prefix covers no IPv4
 * address, whatever its bits: default-deny reads nothing into it.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefixLength;
    /** The one address of a full-length prefix, built once (connections to it need no parsing). */
    private final InetAddress single;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.single = prefixLength == network.length * 8 ? inetAddress(network) : null;
    }

    private static InetAddress inetAddress(byte[] bytes) {
        try {
            // An IPv4-mapped network gives an Inet4Address, as literalBytes does for a connection target.
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes expected", e);
        }
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code 2001:db8::/32}.
     *
     * @throws IllegalArgumentException with a reason fit for a validation message
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = prefixBytes(addressPart);
        if (bytes == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address or CIDR"
                    + DottedQuad.ambiguity(addressPart).map(why -> ": " + why).orElse(""));
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("\"" + text + "\" is not a CIDR (expected: prefix 0-" + max + ")");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("\"" + text + "\" is not a CIDR (expected: prefix 0-" + max + ")");
            }
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** Like {@link #literalBytes}, but IPv6 text always gives 16 bytes (IPv4-mapped included). */
    private static byte[] prefixBytes(String s) {
        byte[] bytes = literalBytes(s);
        if (bytes != null && bytes.length == 4 && s.indexOf(':') >= 0) {
            // The JDK returned the IPv4 address of an IPv4-mapped literal: put the mapping back.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        }
        return bytes;
    }

    /**
     * The bytes of an IPv4 dotted quad (no leading zeros: {@link DottedQuad#CANONICAL}, as Istio's
     * validation reads addresses) or an IPv6 literal, or null when {@code s} is
     * neither. An IPv4-mapped IPv6 literal gives the 4 bytes of the IPv4 address it reaches (a
     * connection target, not a prefix).
     */
    public static byte[] literalBytes(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            return DottedQuad.CANONICAL.bytes(s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                return null;
            }
        }
        try {
            // Only literals reach here, so this never resolves a name.
            byte[] b = InetAddress.getByName(s).getAddress();
            return b;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - bitsHere));
        }
        return out;
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** The network bytes (a copy). */
    public byte[] network() {
        return network.clone();
    }

    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** Whether the prefix holds {@code address} (4 or 16 bytes), IPv4 addresses in a mapped prefix of /96 or longer included. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return address.length == 4 && ipv4Equivalent().map(v4 -> v4.contains(address)).orElse(false);
        }
        // Compared byte by byte under the mask, without a masked copy: this runs per connection.
        for (int i = 0; i < network.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
            if (bitsHere == 0) {
                break;
            }
            int m = 0xff << (8 - bitsHere) & 0xff;
            if ((address[i] & m) != (network[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The IPv4 range a prefix of {@code ::ffff:0:0/96} of length 96 or more denotes
     * ({@code ::ffff:10.0.0.0/104} is {@code 10.0.0.0/8}); empty for every other prefix.
     */
    public Optional<Cidr> ipv4Equivalent() {
        if (network.length != 16 || prefixLength < 96 || !AddressText.isMapped(network)) {
            return Optional.empty();
        }
        return Optional.of(new Cidr(Arrays.copyOfRange(network, 12, 16), prefixLength - 96));
    }

    public boolean isSingleAddress() {
        return single != null;
    }

    /** The one address of a full-length prefix ({@code 192.0.2.1/32}); empty for a range. */
    public Optional<InetAddress> singleAddress() {
        return Optional.ofNullable(single);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** {@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code ::ffff:0.0.0.0/96}: IPv6 in RFC 5952 form. */
    @Override
    public String toString() {
        return (network.length == 4 ? AddressText.address(network) : AddressText.ipv6(network)) + "/" + prefixLength;
    }
}
