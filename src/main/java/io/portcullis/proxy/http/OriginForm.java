package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Rewrites a request head for the upstream: origin-form target (path and query byte for byte),
 * hop-by-hop headers removed (an upgrade the client asked for kept), {@code Host} written by the
 * gateway from the decided authority.
 */
final class OriginForm {
    private OriginForm() {
    }

    /** Whether the request asks to switch protocols ({@code Connection: upgrade} + {@code Upgrade}). */
    static boolean isUpgrade(HttpRequest request) {
        return request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, "upgrade", true);
    }

    /** @param hostHeader the Host the upstream gets; null leaves the request without one (HTTP/1.0) */
    static void rewrite(HttpRequest request, String hostHeader, boolean upgrade) {
        String uri = request.uri();
        if (!uri.startsWith("/") && !uri.equals("*")) {
            // Absolute form (already validated by the router).
            int authority = uri.indexOf("://") + 3;
            int slash = uri.indexOf('/', authority);
            int query = uri.indexOf('?', authority);
            int start = slash < 0 ? query : query < 0 ? slash : Math.min(slash, query);
            String rest = start < 0 ? "" : uri.substring(start);
            int fragment = rest.indexOf('#');
            rest = fragment < 0 ? rest : rest.substring(0, fragment);
            request.setUri(rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest);
        }
        String upgradeTo = upgrade ? request.headers().get(HttpHeaderNames.UPGRADE) : null;
        HopByHopHeaders.strip(request.headers());
        if (upgradeTo != null) {
            request.headers().set(HttpHeaderNames.CONNECTION, "upgrade").set(HttpHeaderNames.UPGRADE, upgradeTo);
        }
        if (hostHeader != null) {
            request.headers().set(HttpHeaderNames.HOST, hostHeader);
        }
    }
}
