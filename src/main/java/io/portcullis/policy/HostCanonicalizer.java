package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.DottedQuad;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The one canonical form of a host that a client names (CONNECT authority, absolute URI, Host
 * header, TLS SNI), computed before anything is matched, so that two spellings of one destination
 * can never be judged differently:
 *
 * <ul>
 *   <li>names: IDN to punycode (IDNA 2003 mapping, so full-width letters and ideographic dots fold
 *       as a resolver folds them), lower case, one trailing dot removed; labels of letters, digits,
 *       {@code -} and {@code _}, 1-63 characters, 253 in all;</li>
 *   <li>IPv4: every form {@code inet_aton} and the WHATWG URL standard accept — decimal, octal
 *       ({@code 0177.0.0.1}), hexadecimal ({@code 0x7f.1}), one to four parts ({@code 2130706433},
 *       {@code 127.1}) — becomes a dotted quad; a name whose last label is a number is such a
 *       literal or invalid, never a name;</li>
 *   <li>IPv6: only in brackets; a zone id ({@code %25eth0}) is dropped; an IPv4-mapped address
 *       becomes its IPv4 address; the text form is RFC 5952's.</li>
 * </ul>
 *
 * Percent-encoding, userinfo, wildcards and empty labels are refused. Pure and thread-safe.
 */
public final class HostCanonicalizer {
    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private HostCanonicalizer() {
    }

    /**
     * The canonical form of {@code host} (without port): a lower-case ASCII name, a dotted quad,
     * or an RFC 5952 IPv6 text without brackets.
     *
     * @throws IllegalArgumentException saying why the host is refused
     */
    public static String canonical(String host) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                throw new IllegalArgumentException("bad IPv6 literal \"" + host + "\"");
            }
            return ipv6(host.substring(1, host.length() - 1));
        }
        if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an IPv6 address must be in brackets: \"" + host + "\"");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '%' || c == '@' || c == '*' || c == '/' || c == '\\' || c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("\"" + printable(host) + "\" is not a host name (character "
                        + describe(c) + " is not allowed)");
            }
        }
        String ascii = host;
        if (!isAscii(host)) {
            try {
                ascii = IDN.toASCII(host);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"" + printable(host) + "\" is not a valid internationalised name");
            }
        }
        String h = ascii.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        // Labels are walked in place (no split): every name a client sends passes here, on the event loop.
        if (endsInNumber(h, h.lastIndexOf('.') + 1)) {
            return Ipv4Literal.parse(h.split("\\.", -1), host);
        }
        if (h.length() > MAX_NAME) {
            throw new IllegalArgumentException("host name longer than " + MAX_NAME + " characters");
        }
        int labelStart = 0;
        for (int i = 0; i <= h.length(); i++) {
            if (i == h.length() || h.charAt(i) == '.') {
                int length = i - labelStart;
                if (length == 0 || length > MAX_LABEL) {
                    throw new IllegalArgumentException("\"" + printable(host) + "\" is not a host name (empty or over-long label)");
                }
                labelStart = i + 1;
                continue;
            }
            char c = h.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                throw new IllegalArgumentException("\"" + printable(host) + "\" is not a host name (character "
                        + describe(c) + " is not allowed)");
            }
        }
        return h;
    }

    /** The address bytes of a canonical host when it is an IP literal, else null. */
    public static byte[] literal(String canonical) {
        if (canonical.indexOf(':') >= 0) {
            return Ipv6Text.parse(canonical);
        }
        return DottedQuad.CANONICAL.bytes(canonical);
    }

    /** Whether {@code canonical} is an IP literal rather than a name. */
    public static boolean isLiteral(String canonical) {
        return literal(canonical) != null;
    }

    /** WHATWG "ends in a number": the last label is all digits or {@code 0x} followed by hex digits. */
    private static boolean endsInNumber(String h, int from) {
        if (from == h.length()) {
            return false;
        }
        // Loops, not streams: every CONNECT authority, Host and SNI passes here, on the event loop.
        boolean decimal = true;
        for (int i = from; i < h.length() && decimal; i++) {
            char c = h.charAt(i);
            decimal = c >= '0' && c <= '9';
        }
        if (decimal) {
            return true;
        }
        if (!h.startsWith("0x", from)) {
            return false;
        }
        for (int i = from + 2; i < h.length(); i++) {
            if (Character.digit(h.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String ipv6(String inner) {
        String address = inner;
        int zone = inner.indexOf('%');
        if (zone >= 0) {
            String id = inner.startsWith("25", zone + 1) ? inner.substring(zone + 3) : inner.substring(zone + 1);
            if (id.isEmpty() || !id.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '_'
                    || c == '-' || c == '~')) {
                throw new IllegalArgumentException("bad zone id in \"[" + inner + "]\"");
            }
            address = inner.substring(0, zone);
        }
        byte[] bytes = Ipv6Text.parse(address.toLowerCase(Locale.ROOT));
        if (bytes == null) {
            throw new IllegalArgumentException("\"[" + printable(inner) + "]\" is not an IPv6 address");
        }
        return format(bytes);
    }

    /** Dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952 text for other IPv6: {@link AddressText#address}. */
    public static String format(byte[] address) {
        return AddressText.address(address);
    }

    /** An {@link InetAddress} for canonical literal bytes; never consults DNS. */
    public static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String describe(char c) {
        return c > ' ' && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    /** The host with control characters escaped, for messages and logs. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && i < 300; i++) {
            char c = s.charAt(i);
            if (c < ' ' || c == 0x7f || c == '"') {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
