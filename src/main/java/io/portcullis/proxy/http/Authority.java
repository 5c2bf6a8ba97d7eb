package io.portcullis.proxy.http;

import io.portcullis.model.AddressText;
import io.portcullis.policy.HostCanonicalizer;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A {@code host:port} the client asked for — a CONNECT authority, the authority of an absolute
 * URI, a Host header — with the host in {@link HostCanonicalizer canonical form}, so every
 * comparison and every policy lookup sees one spelling. {@code ip} is set when the host is an IP
 * literal.
 */
record Authority(String host, int port, InetAddress ip) {

    /**
     * Parses {@code host:port} or {@code [v6]:port} as it came off the wire (each char one byte,
     * as Netty decodes HTTP heads): UTF-8 is decoded once, here, before IDN processing.
     */
    static Authority fromWire(String wire, int defaultPort) {
        return parse(utf8(wire), defaultPort);
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port} from decoded text. {@code defaultPort}
     * applies when the port is absent (-1: a port is required).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static Authority parse(String a, int defaultPort) {
        if (a.isEmpty()) {
            throw new IllegalArgumentException("empty authority");
        }
        if (a.indexOf('@') >= 0) {
            throw new IllegalArgumentException("userinfo is not allowed in an authority: \"" + printable(a) + "\"");
        }
        String host;
        String portText = null;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad authority \"" + printable(a) + "\"");
            }
            host = a.substring(0, close + 1);
            if (close + 1 < a.length()) {
                if (a.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("bad authority \"" + printable(a) + "\"");
                }
                portText = a.substring(close + 2);
            }
        } else {
            int colon = a.lastIndexOf(':');
            if (colon >= 0 && a.indexOf(':') != colon) {
                throw new IllegalArgumentException("an IPv6 address must be in brackets: \"" + printable(a) + "\"");
            }
            host = colon < 0 ? a : a.substring(0, colon);
            portText = colon < 0 ? null : a.substring(colon + 1);
        }
        int port = defaultPort;
        if (portText != null) {
            if (portText.isEmpty() || portText.length() > 5 || !decimal(portText)) {
                throw new IllegalArgumentException("bad port in \"" + printable(a) + "\"");
            }
            port = Integer.parseInt(portText);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(portText == null ? "a port is required in \"" + printable(a) + "\""
                    : "port out of range in \"" + printable(a) + "\"");
        }
        String canonical = HostCanonicalizer.canonical(host);
        byte[] literal = HostCanonicalizer.literal(canonical);
        return new Authority(canonical, port, literal == null ? null : HostCanonicalizer.address(literal));
    }

    /** The host as a Host header or URI writes it: IPv6 in brackets. */
    String hostForHeader() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** A Host header value for this authority: the port only when it is not the scheme's default. */
    String hostHeader(int defaultPort) {
        return port == defaultPort ? hostForHeader() : hostForHeader() + ":" + port;
    }

    /** The bytes of a request head (one char per byte) decoded as UTF-8; malformed UTF-8 is refused. */
    static String utf8(String wire) {
        boolean ascii = true;
        for (int i = 0; i < wire.length(); i++) {
            char c = wire.charAt(i);
            if (c > 0xff) {
                return wire; // already decoded text (not from the wire)
            }
            ascii &= c < 0x80;
        }
        if (ascii) {
            return wire;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(wire.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("\"" + printable(wire) + "\" is not valid UTF-8");
        }
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 300; i++) {
            char c = s.charAt(i);
            sb.append(c < ' ' || c == 0x7f || c == '"' ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return AddressText.hostPort(host, port);
    }

    /** Whether {@code s} is ASCII digits only: a loop, since every CONNECT and Host passes here on the event loop. */
    private static boolean decimal(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
