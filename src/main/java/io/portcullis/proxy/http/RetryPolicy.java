package io.portcullis.proxy.http;

import io.portcullis.model.HttpRoute.Retries;
import java.util.Set;

/**
 * Whether a failed try of a request is tried again, with Envoy's meaning of Istio's {@code retryOn} conditions:
 * {@code connect-failure} (the connection did not open), {@code reset} (the upstream closed or reset it before
 * answering), {@code 5xx} (any 5xx answer, a reset, a connect failure or a per-try timeout),
 * {@code gateway-error} (502, 503, 504, a reset, a connect failure or a per-try timeout), {@code retriable-4xx}
 * (409) and numbered status codes (with {@code retriable-status-codes}). A request whose body has already gone
 * to an upstream is not replayed (the gateway keeps no copy of it), so after the connection opened only
 * bodiless requests are retried. Pure; the forwarder counts the tries.
 */
final class RetryPolicy {
    /** Why a try failed before any answer reached the client. */
    enum Failure { CONNECT_FAILURE, RESET, PER_TRY_TIMEOUT }

    private RetryPolicy() {
    }

    static boolean covers(Retries r, Failure failure) {
        Set<String> on = r.retryOn();
        boolean broad = on.contains("5xx") || on.contains("gateway-error");
        return switch (failure) {
            case CONNECT_FAILURE -> broad || on.contains("connect-failure") || on.contains("reset");
            case RESET -> broad || on.contains("reset");
            case PER_TRY_TIMEOUT -> broad || on.contains("reset");
        };
    }

    static boolean covers(Retries r, int status) {
        Set<String> on = r.retryOn();
        if (on.contains("5xx") && status >= 500 && status <= 599) {
            return true;
        }
        if (on.contains("gateway-error") && (status == 502 || status == 503 || status == 504)) {
            return true;
        }
        if (on.contains("retriable-4xx") && status == 409) {
            return true;
        }
        return on.contains(Integer.toString(status));
    }
}
