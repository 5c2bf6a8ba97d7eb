package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.policy.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * The Host header checks that keep a request from naming one destination to the policy and
 * another to the upstream: at most one Host header, and it names the same host as the CONNECT
 * authority or absolute URI (RFC 9112 §3.2; a disagreement is how domain fronting starts).
 * Ports are not compared: the upstream gets a Host the gateway writes from the authority.
 */
final class HostHeaders {
    private HostHeaders() {
    }

    /** The request's single Host header, or null when absent; a second one is a refusal. */
    static String single(HttpRequest request) {
        List<String> all = request.headers().getAll(HttpHeaderNames.HOST);
        if (all.size() > 1) {
            throw new Refused(Reason.HOST_MISMATCH, all.size() + " Host headers " + quoted(all) + " (exactly one is allowed)");
        }
        return all.isEmpty() ? null : all.get(0);
    }

    /**
     * The one Host header of a request, as {@link #single}; only an HTTP/1.0 request may lack it (then
     * null). An HTTP/1.1 request without one is malformed (RFC 9112 §3.2).
     */
    static String singleRequired(HttpRequest request) {
        String host = single(request);
        if (host == null && !request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            throw new IllegalArgumentException("an HTTP/1.1 request needs a Host header");
        }
        return host;
    }

    /** Refuses when the Host header (if any) names another host than {@code authority}. */
    static void requireMatch(HttpRequest request, Authority authority, String what) {
        String host = single(request);
        if (host == null) {
            return;
        }
        Authority h = parse(host, authority.port());
        if (!h.host().equals(authority.host())) {
            throw new Refused(Reason.HOST_MISMATCH, "Host " + h.host() + " does not match the " + what + " "
                    + authority.host());
        }
    }

    /** Parses a Host header value; a malformed one is a bad request. */
    static Authority parse(String value, int defaultPort) {
        try {
            return Authority.fromWire(value, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad Host header: " + e.getMessage());
        }
    }

    /** The authority of an absolute-form request target ({@code http://host[:port]/…}), or null for origin form. */
    static Authority absoluteFormAuthority(String uri, int defaultPort) {
        if (uri.startsWith("/") || uri.equals("*")) {
            return null;
        }
        URI parsed;
        try {
            parsed = new URI(Authority.utf8(uri));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad request URI: " + e.getMessage());
        }
        if (!parsed.isAbsolute()) {
            throw new IllegalArgumentException("not a proxy request: the URI must be absolute (http://host/path) or use CONNECT");
        }
        if (!"http".equalsIgnoreCase(parsed.getScheme())) {
            throw new IllegalArgumentException("unsupported scheme \"" + parsed.getScheme() + "\" (use CONNECT for https)");
        }
        if (parsed.getRawAuthority() == null) {
            throw new IllegalArgumentException("no host in request URI");
        }
        return Authority.parse(parsed.getRawAuthority(), defaultPort);
    }

    private static String quoted(List<String> values) {
        StringBuilder sb = new StringBuilder();
        for (String v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append('"').append(Authority.printable(v)).append('"');
        }
        return sb.toString();
    }

    /** A refusal found while checking, carried out of the router as a {@link Route.Refuse}. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Reason reason;

        Refused(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        Route.Refuse route() {
            return new Route.Refuse(reason, getMessage());
        }
    }
}
