package io.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.HttpRoute.Retries;
import io.portcullis.proxy.http.RetryPolicy.Failure;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Envoy's meanings of Istio's retryOn conditions. */
class RetryPolicyTest {

    private static Retries on(String... conditions) {
        return new Retries(2, Optional.empty(), Set.of(conditions));
    }

    @Test
    void fiveXxCoversEvery5xxAndFailuresWithoutAnAnswer() {
        Retries r = on("5xx");
        assertThat(RetryPolicy.covers(r, 500)).isTrue();
        assertThat(RetryPolicy.covers(r, 599)).isTrue();
        assertThat(RetryPolicy.covers(r, 404)).isFalse();
        assertThat(RetryPolicy.covers(r, Failure.CONNECT_FAILURE)).isTrue();
        assertThat(RetryPolicy.covers(r, Failure.RESET)).isTrue();
        assertThat(RetryPolicy.covers(r, Failure.PER_TRY_TIMEOUT)).isTrue();
    }

    @Test
    void gatewayErrorCoversOnly502To504AmongStatuses() {
        Retries r = on("gateway-error");
        assertThat(RetryPolicy.covers(r, 502)).isTrue();
        assertThat(RetryPolicy.covers(r, 504)).isTrue();
        assertThat(RetryPolicy.covers(r, 500)).isFalse();
    }

    @Test
    void narrowConditionsCoverOnlyTheirFailure() {
        assertThat(RetryPolicy.covers(on("connect-failure"), Failure.CONNECT_FAILURE)).isTrue();
        assertThat(RetryPolicy.covers(on("connect-failure"), Failure.RESET)).isFalse();
        assertThat(RetryPolicy.covers(on("connect-failure"), 503)).isFalse();
        assertThat(RetryPolicy.covers(on("reset"), Failure.RESET)).isTrue();
        assertThat(RetryPolicy.covers(on("reset"), 503)).isFalse();
        assertThat(RetryPolicy.covers(on("retriable-4xx"), 409)).isTrue();
        assertThat(RetryPolicy.covers(on("retriable-4xx"), 404)).isFalse();
        // Istio's default: connection failures and 503 (as retriable-status-codes).
        assertThat(RetryPolicy.covers(Retries.ISTIO_DEFAULT, 503)).isTrue();
        assertThat(RetryPolicy.covers(Retries.ISTIO_DEFAULT, 502)).isFalse();
        assertThat(RetryPolicy.covers(Retries.ISTIO_DEFAULT, Failure.CONNECT_FAILURE)).isTrue();
    }
}
