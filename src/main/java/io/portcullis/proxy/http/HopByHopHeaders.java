package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/** Removes the headers that describe one hop (RFC 9110 §7.6.1) before a message crosses the proxy. */
final class HopByHopHeaders {
    // Netty deprecates its constants for these two obsolete headers; a proxy must still strip them.
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final List<CharSequence> FIXED = List.of(
            HttpHeaderNames.CONNECTION, KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, PROXY_CONNECTION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE);

    private HopByHopHeaders() {
    }

    static void strip(HttpHeaders headers) {
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",", -1)) {
                if (!token.isBlank()) {
                    named.add(token.trim());
                }
            }
        }
        FIXED.forEach(headers::remove);
        named.forEach(headers::remove);
    }
}
