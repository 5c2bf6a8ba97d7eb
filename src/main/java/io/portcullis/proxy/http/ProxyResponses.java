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

/** The gateway's own answers: a status and one line of text that says why, with the reason code. */
final class ProxyResponses {
    /** The header that carries the reason code, for clients and tests that read headers rather than bodies. */
    static final String REASON_HEADER = "x-portcullis-reason";

    private ProxyResponses() {
    }

    static FullHttpResponse refusal(ByteBufAllocator alloc, HttpResponseStatus status, Reason reason, String message) {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, alloc.buffer(body.length).writeBytes(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(REASON_HEADER, reason.code());
        return r;
    }

    static HttpResponseStatus statusFor(Reason reason) {
        switch (reason) {
            case DNS_FAILURE:
            case UPSTREAM_CONNECT_FAILURE:
                return HttpResponseStatus.BAD_GATEWAY;
            case HEADER_TOO_LARGE:
                return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            case INSPECT_TIMEOUT:
                return HttpResponseStatus.REQUEST_TIMEOUT;
            case BAD_REQUEST:
                return HttpResponseStatus.BAD_REQUEST;
            default:
                return HttpResponseStatus.FORBIDDEN;
        }
    }
}
