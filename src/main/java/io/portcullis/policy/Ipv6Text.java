package io.portcullis.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv6 text to bytes (literals only, never DNS); {@link io.portcullis.model.AddressText} writes them back. */
final class Ipv6Text {
    private Ipv6Text() {
    }

    /** 16 bytes, or 4 for an IPv4-mapped address; null when {@code s} is not an IPv6 literal. */
    static byte[] parse(String s) {
        if (s.isEmpty() || s.indexOf(':') < 0
                || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return null;
        }
        try {
            // The character check above guarantees a literal: the JDK parses it without a lookup.
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
