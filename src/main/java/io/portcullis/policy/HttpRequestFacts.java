package io.portcullis.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * What an HTTP request looks like to {@link HttpRouteTable}: gathered by the listener that parsed it, matched
 * without Netty. Header names are asked for in lower case.
 *
 * @param gatewayPort the Gateway listener's port, or 0 for the mesh (explicit proxy, CONNECT tunnel, sidecar)
 * @param host        the requested host, canonical (lower case, no port, no trailing dot)
 * @param authority   the {@code Host} header or absolute-URI authority as sent, port included when given
 * @param port        the requested port (the authority's, else the listener's)
 * @param target      the request target in origin form: path and query
 */
public record HttpRequestFacts(int gatewayPort, String host, String authority, int port, String method, String scheme,
                               String target, Headers headers) {

    /** The request's headers, by lower-case name: the first value, or empty. */
    @FunctionalInterface
    public interface Headers {
        Optional<String> first(String lowerCaseName);
    }

    /** The path, without query and fragment. */
    public String path() {
        int end = target.length();
        for (char c : new char[] {'?', '#'}) {
            int i = target.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return target.substring(0, end);
    }

    /** The raw query string (without {@code ?}), or empty. */
    public String query() {
        int q = target.indexOf('?');
        if (q < 0) {
            return "";
        }
        int hash = target.indexOf('#', q);
        return hash < 0 ? target.substring(q + 1) : target.substring(q + 1, hash);
    }

    /** The authority without a port, lower case. */
    String authorityHost() {
        String a = authority.toLowerCase(Locale.ROOT);
        int colon = a.lastIndexOf(':');
        return colon > a.lastIndexOf(']') && colon >= 0 ? a.substring(0, colon) : a;
    }
}
