package io.portcullis.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.policy.Reason;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answers: a status, the reason code (body and {@code x-portcullis-reason}
 * header) and one line that says why. Upstream failures follow Envoy and Squid: 502 when the
 * upstream's answer (DNS, TLS, HTTP) is bad, 503 when it cannot be reached, 504 when it is too slow.
 */
final class ProxyResponses {
    /** The header that carries the reason code, for clients and tests that read headers rather than bodies. */
    static final String REASON_HEADER = "x-portcullis-reason";

    private ProxyResponses() {
    }

    static FullHttpResponse refusal(ByteBufAllocator alloc, HttpResponseStatus status, Reason reason, String message) {
        byte[] body = (reason.code() + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, withReason(status, reason),
                alloc.buffer(body.length).writeBytes(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(REASON_HEADER, reason.code());
        return r;
    }

    /**
     * The status line with the reason code in its reason phrase, {@code 403 Forbidden (no_service_entry)}:
     * many clients print the status line of a failed CONNECT and never its body (python's
     * "Tunnel connection failed: 403 Forbidden (no_service_entry)", wget's "Proxy tunneling failed:
     * Forbidden (no_service_entry)"). RFC 9112 §4 lets the phrase be any text; clients must not
     * rely on it, and none here does: the code and the header say the same.
     */
    static HttpResponseStatus withReason(HttpResponseStatus status, Reason reason) {
        return new HttpResponseStatus(status.code(), status.reasonPhrase() + " (" + reason.code() + ")");
    }

    static HttpResponseStatus statusFor(Reason reason) {
        return switch (reason) {
            case DNS_FAILURE, UPSTREAM_CERT_UNTRUSTED, UPSTREAM_CERT_NAME_MISMATCH, UPSTREAM_CERT_EXPIRED,
                    UPSTREAM_CERT_NOT_YET_VALID, UPSTREAM_TLS_FAILURE, UPSTREAM_TLS_CONFIG, UPSTREAM_RESET,
                    BAD_UPSTREAM_RESPONSE -> HttpResponseStatus.BAD_GATEWAY;
            case UPSTREAM_CONNECT_FAILURE, UPSTREAM_OVERFLOW -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case UPSTREAM_TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case HEADER_TOO_LARGE -> HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            case INSPECT_TIMEOUT -> HttpResponseStatus.REQUEST_TIMEOUT;
            case BAD_REQUEST, AMBIGUOUS_FRAMING -> HttpResponseStatus.BAD_REQUEST;
            case UNSUPPORTED_HTTP_VERSION -> HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
            default -> HttpResponseStatus.FORBIDDEN;
        };
    }
}
