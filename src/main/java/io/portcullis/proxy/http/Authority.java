package io.portcullis.proxy.http;

import io.portcullis.model.Cidr;
import io.portcullis.policy.HostNames;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A {@code host:port} the client asked for: a CONNECT authority or the authority of an
 * absolute URI. {@code ip} is set when the host is an IP literal.
 */
record Authority(String host, int port, InetAddress ip) {

    /** Parses {@code host:port}, {@code [v6]:port}; {@code defaultPort} applies when the port is absent (-1: required). */
    static Authority parse(String authority, int defaultPort) {
        String a = authority.trim();
        if (a.isEmpty() || a.indexOf('@') >= 0) {
            throw new IllegalArgumentException("bad authority \"" + authority + "\"");
        }
        String host;
        String portText = null;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad authority \"" + authority + "\"");
            }
            host = a.substring(1, close);
            if (close + 1 < a.length()) {
                if (a.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("bad authority \"" + authority + "\"");
                }
                portText = a.substring(close + 2);
            }
        } else {
            int colon = a.lastIndexOf(':');
            if (colon >= 0 && a.indexOf(':') != colon) {
                throw new IllegalArgumentException("an IPv6 address must be in brackets: \"" + authority + "\"");
            }
            host = colon < 0 ? a : a.substring(0, colon);
            portText = colon < 0 ? null : a.substring(colon + 1);
        }
        int port = defaultPort;
        if (portText != null) {
            if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("bad port in \"" + authority + "\"");
            }
            port = Integer.parseInt(portText);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(portText == null ? "a port is required in \"" + authority + "\""
                    : "port out of range in \"" + authority + "\"");
        }
        String normalized = HostNames.normalize(host);
        if (normalized.isEmpty() || !normalized.chars().allMatch(c -> c == '.' || c == '-' || c == '_' || c == ':'
                || Character.isLetterOrDigit(c))) {
            throw new IllegalArgumentException("bad host in \"" + authority + "\"");
        }
        byte[] literal = Cidr.literalBytes(normalized);
        return new Authority(normalized, port, literal == null ? null : address(literal));
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
