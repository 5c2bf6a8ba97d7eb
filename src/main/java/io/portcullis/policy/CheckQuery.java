package io.portcullis.policy;

import io.portcullis.model.IstioPrincipal;

/**
 * A question to the policy: what happens to a connection to {@code host:port}?
 *
 * @param host   a name or an IP literal (IPv6 without brackets), as a client would put it in {@code CONNECT}
 * @param sni    the SNI of the connection's ClientHello, or null
 * @param source the calling workload's identity (SPIFFE principal), or null when unknown
 * @param namespace the calling workload's namespace, or null to take it from {@code source}
 * @param method the HTTP method of a request through the explicit proxy, or null: {@code CONNECT}
 * @param path   that request's path (with query), or null: {@code /} for a method other than CONNECT
 */
public record CheckQuery(String host, int port, String sni, String source, String namespace, String method,
                         String path) {
    /** A connection, or a CONNECT through the explicit proxy, without an explicit caller namespace. */
    public CheckQuery(String host, int port, String sni, String source) {
        this(host, port, sni, source, null, null, null);
    }

    /**
     * This query as an HTTP request ({@code --method}, {@code --path}); blank values mean absent.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public CheckQuery withRequest(String method, String path) {
        String m = blankToNull(method);
        String p = blankToNull(path);
        if (m != null && !m.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new IllegalArgumentException("method '" + m + "' is not an HTTP method token");
        }
        if (p != null && !p.startsWith("/")) {
            throw new IllegalArgumentException("path '" + p + "' must start with /");
        }
        if (p != null && "CONNECT".equals(m)) {
            throw new IllegalArgumentException("a CONNECT request has no path");
        }
        return new CheckQuery(host, port, sni, source, namespace, m, p);
    }

    public static CheckQuery parse(String to, String sni, String source) {
        return parse(to, sni, source, null);
    }

    /**
     * The caller's namespace: {@code namespace} when given, else the {@code /ns/NAMESPACE/} of
     * {@code source} (a SPIFFE ID or Istio's principal form), else null.
     */
    public String callerNamespace() {
        if (namespace != null) {
            return namespace;
        }
        return source == null ? null : IstioPrincipal.namespaceOf(source).orElse(null);
    }

    /**
     * Reads {@code HOST:PORT} ({@code [::1]:443} for IPv6); empty {@code sni}, {@code source} and
     * {@code namespace} mean absent.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static CheckQuery parse(String to, String sni, String source, String namespace) {
        if (to == null || to.isBlank()) {
            throw new IllegalArgumentException("a destination HOST:PORT is required");
        }
        int colon = to.lastIndexOf(':');
        if (colon <= 0 || colon == to.length() - 1) {
            throw new IllegalArgumentException("'" + to + "' is not HOST:PORT (e.g. www.googleapis.com:443, [2001:db8::1]:443)");
        }
        String host = to.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + to + "': write an IPv6 address in brackets, e.g. [2001:db8::1]:443");
        }
        int port;
        try {
            port = Integer.parseInt(to.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + to + "' has no numeric port");
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("'" + to + "': port out of range (expected: 1-65535)");
        }
        return new CheckQuery(host, port, blankToNull(sni), blankToNull(source), blankToNull(namespace), null, null);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
