package io.portcullis.proxy.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.ConnectionLog;
import java.net.URI;

/**
 * Takes in one request head: records its fields for the access line and the request metrics,
 * refuses what the decoder refused (with the reason {@link RequestFailures} names) and what is not
 * HTTP/1.x, and otherwise asks the {@link RequestRouter}. Does not touch the request's reference
 * count: the caller releases it unless it is forwarded.
 */
final class RequestIntake {
    private final RequestRouter router;
    private final ProxySettings settings;
    private final ConnectionLog log;

    RequestIntake(RequestRouter router, ProxySettings settings, ConnectionLog log) {
        this.router = router;
        this.settings = settings;
        this.log = log;
    }

    Route route(HttpRequest request) {
        logRequest(request);
        DecoderResult result = request.decoderResult();
        if (!result.isSuccess()) {
            return new Route.Refuse(RequestFailures.reason(result.cause()), RequestFailures.message(result.cause(), settings));
        }
        if (request.protocolVersion().majorVersion() != 1) {
            // HTTP/2 with prior knowledge opens with "PRI * HTTP/2.0": it is not served here, say so plainly.
            return new Route.Refuse(Reason.UNSUPPORTED_HTTP_VERSION, request.protocolVersion().text()
                    + " is not served on this listener; it speaks HTTP/1.1 (and HTTP/1.0)");
        }
        try {
            return router.route(request);
        } catch (IllegalArgumentException e) {
            return new Route.Refuse(Reason.BAD_REQUEST, String.valueOf(e.getMessage()));
        }
    }

    /** The request fields of the access line and the request metrics. */
    private void logRequest(HttpRequest request) {
        boolean connect = request.method().equals(HttpMethod.CONNECT);
        String path = "-";
        if (!connect && request.decoderResult().isSuccess()) {
            try {
                String raw = URI.create(request.uri()).getRawPath();
                path = raw == null || raw.isEmpty() ? "/" : raw;
            } catch (IllegalArgumentException e) {
                path = "-";
            }
        }
        log.request(request.method().name(), path, request.protocolVersion().text(),
                request.headers().get(HttpHeaderNames.USER_AGENT), request.headers().get("x-forwarded-for"),
                request.headers().get("x-request-id"));
    }
}
