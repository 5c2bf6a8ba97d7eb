package io.portcullis.model;

import java.util.Optional;

/**
 * The one reader of IPv4 dotted-quad text {@code a.b.c.d}: exactly four decimal parts of one to
 * three digits, each at most 255; no sign, no {@code 0x}, no white space, no empty part, no
 * trailing dot. Parsed by hand (no regex, no JDK lookup, no allocation but the result): it runs
 * for every host a client names.
 *
 * <p>The two readings differ only in leading zeros. {@link #CANONICAL} refuses them: it is the
 * text {@code HostCanonicalizer} writes, where {@code 010} would be octal to {@code inet_aton}
 * and has already been rewritten, and what configuration addresses ({@link Cidr#literalBytes})
 * accept, as Istio's validation (Go's {@code netip}) does. {@link #DECIMAL_LEADING_ZEROS} reads
 * {@code 010} as ten, as the JDK's {@code InetAddress} does; it only recognises such text, to
 * tell the operator why it is refused ({@link #ambiguity}).
 */
public enum DottedQuad {
    /** Four decimal parts without leading zeros ({@code 10.0.0.1}; not {@code 010.0.0.1}). */
    CANONICAL(false),
    /** Four decimal parts, leading zeros allowed and read as decimal ({@code 010.0.0.1} is {@code 10.0.0.1}). */
    DECIMAL_LEADING_ZEROS(true);

    private final boolean leadingZeros;

    DottedQuad(boolean leadingZeros) {
        this.leadingZeros = leadingZeros;
    }

    /** The four bytes of {@code s} under this reading, or null when {@code s} is not such a dotted quad. */
    public byte[] bytes(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits == 3 || (!leadingZeros && digits == 1 && value == 0)) {
                    // A fourth digit, or (canonically) a digit after a leading zero.
                    return null;
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /**
     * Why {@code text} is refused as an address when it is a dotted quad only with leading zeros
     * ({@code 010.0.0.1}): ten to the JDK and Go before 1.17, eight to {@code inet_aton}, curl and
     * a client's resolver. Empty for any other text. A policy that reads it one way while clients
     * mean the other misses them (CVE-2021-29923 is that defect in Go).
     */
    public static Optional<String> ambiguity(String text) {
        String address = text.indexOf('/') < 0 ? text : text.substring(0, text.indexOf('/'));
        if (CANONICAL.bytes(address) != null || DECIMAL_LEADING_ZEROS.bytes(address) == null) {
            return Optional.empty();
        }
        return Optional.of("a leading zero makes it ambiguous, decimal to some readers and octal to"
                + " others, clients among them; write it without leading zeros");
    }
}
