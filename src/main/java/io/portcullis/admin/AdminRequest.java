package io.portcullis.admin;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One admin request, copied off Netty's buffers so a route may answer it on another thread.
 *
 * @param path  the decoded path, without the query
 * @param query decoded query parameters
 * @param body  the body as UTF-8 text (empty when none)
 */
public record AdminRequest(String method, String path, Map<String, List<String>> query, String contentType,
                           String accept, String body, SocketAddress remote) {

    static AdminRequest of(FullHttpRequest r, SocketAddress remote) {
        QueryStringDecoder q = new QueryStringDecoder(r.uri());
        return new AdminRequest(r.method().name(), q.path(), q.parameters(),
                lower(r.headers().get("Content-Type")), lower(r.headers().get("Accept")),
                r.content().toString(StandardCharsets.UTF_8), remote);
    }

    /** The first value of a query parameter, or null. */
    public String param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Kubernetes' {@code ?dryRun=All}; {@code true} is accepted too. */
    public boolean dryRun() {
        String v = param("dryRun");
        return v != null && (v.equals("All") || v.equalsIgnoreCase("true"));
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }
}
