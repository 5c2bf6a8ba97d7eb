package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * One request and its response, as {@link HttpExchangeLoop} drives them: what the request allows
 * (keep-alive, an upgrade, a retry on a stale connection) and how far each side has got.
 * Confined to the client's event loop.
 */
final class Exchange {
    final Route.Forward route;
    final HttpRequest head;
    final boolean clientHttp11;
    final boolean headMethod;
    final boolean upgrade;
    /** A request without a body can be sent again if a reused connection turns out to be closed. */
    final boolean retryable;
    boolean clientKeepAlive;
    boolean reused;
    boolean retried;
    boolean requestComplete;
    boolean interim;
    boolean switching;
    boolean responseStarted;
    /** The final response status, for the access line and metrics. */
    int status;
    boolean responseComplete;
    boolean upstreamReusable;
    /** The route's request actions (rewrite, header edits) were applied to the head: once, whatever the tries. */
    boolean routeActionsApplied;
    /** Tries beyond the first made for the route's {@code retries}; the route's timers (null: none running). */
    int routeRetries;
    @Nullable Future<?> routeTimeout;
    @Nullable Future<?> tryTimeout;

    Exchange(Route.Forward route, HttpRequest head) {
        this.route = route;
        this.head = head;
        this.clientKeepAlive = HttpUtil.isKeepAlive(head);
        this.upgrade = OriginForm.isUpgrade(head);
        this.clientHttp11 = !head.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.headMethod = head.method().equals(HttpMethod.HEAD);
        this.retryable = !HttpUtil.isTransferEncodingChunked(head) && HttpUtil.getContentLength(head, 0L) == 0L;
    }

    /**
     * Prepares the final response head for the client: hop-by-hop headers out; whether the upstream
     * can be reused; a body the upstream delimits by closing is re-framed as chunked for a
     * keep-alive HTTP/1.1 client (an HTTP/1.0 client gets the connection closed instead).
     */
    void finalResponse(HttpResponse response) {
        responseStarted = true;
        upstreamReusable = HttpUtil.isKeepAlive(response);
        HopByHopHeaders.strip(response.headers());
        // RFC 9110 §6.2: an intermediary sends its own version, whatever the upstream spoke.
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        int code = response.status().code();
        boolean bodiless = headMethod || code == 204 || code == 304;
        if (!clientHttp11 && !bodiless && HttpUtil.isTransferEncodingChunked(response)) {
            // An HTTP/1.0 client knows no chunked framing (RFC 9112 §6.1): the body goes out as it is,
            // delimited by closing the connection.
            HttpUtil.setTransferEncodingChunked(response, false);
            clientKeepAlive = false;
        } else if (!bodiless && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)) {
            upstreamReusable = false;
            if (clientHttp11 && clientKeepAlive) {
                HttpUtil.setTransferEncodingChunked(response, true);
            } else {
                clientKeepAlive = false;
            }
        }
        HttpUtil.setKeepAlive(response, clientKeepAlive);
        if (!clientHttp11 && clientKeepAlive) {
            // Persistence is HTTP/1.1's default, not 1.0's: a 1.0 client that asked for it is told it has it.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
