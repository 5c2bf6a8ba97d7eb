package io.portcullis.proxy.http;

import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.ProxySettings;
import java.util.Locale;

/**
 * Names what was wrong with a request Netty's strict HTTP/1.1 decoder refused. Framing that two
 * parsers could read differently — Content-Length with Transfer-Encoding, several Content-Length
 * values, a transfer coding other than a final {@code chunked}, Transfer-Encoding in HTTP/1.0, a
 * bad chunk size — is {@code ambiguous_framing}, the request-smuggling family (RFC 9112 §6.1,
 * §6.3); a head over the size limit is {@code header_too_large}; anything else {@code bad_request}.
 */
final class RequestFailures {
    private RequestFailures() {
    }

    static Reason reason(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongHttpLineException) {
            return Reason.HEADER_TOO_LARGE;
        }
        if (cause instanceof ContentLengthNotAllowedException || cause instanceof TransferEncodingNotAllowedException) {
            return Reason.AMBIGUOUS_FRAMING;
        }
        String m = cause == null || cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("content-length") || m.contains("transfer coding") || m.contains("transfer-encoding")
                || m.contains("chunk")) {
            return Reason.AMBIGUOUS_FRAMING;
        }
        return Reason.BAD_REQUEST;
    }

    static String message(Throwable cause, ProxySettings settings) {
        Reason reason = reason(cause);
        String detail = cause == null ? "unknown" : String.valueOf(cause.getMessage());
        return switch (reason) {
            case HEADER_TOO_LARGE -> "request head larger than " + settings.maxHeaderBytes() + " bytes";
            case AMBIGUOUS_FRAMING -> "ambiguous request framing: " + detail;
            default -> "malformed request: " + detail;
        };
    }
}
