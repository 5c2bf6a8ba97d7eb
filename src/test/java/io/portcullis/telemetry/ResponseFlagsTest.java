package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Reason;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Envoy's response flags keep Envoy's meanings: UAEX is an authorization refusal, and nothing else. */
class ResponseFlagsTest {
    @Test
    void onlyAnAuthorizationRefusalIsUaex() {
        assertThat(Arrays.stream(Reason.values()).filter(r -> ResponseFlags.of(r).equals("UAEX")))
                .containsExactly(Reason.AUTHZ_DENIED);
    }

    @Test
    void upstreamFailuresCarryUpstreamFlagsAndAreNotDenials() {
        assertThat(ResponseFlags.of(Reason.UPSTREAM_CERT_UNTRUSTED)).isEqualTo("UF");
        assertThat(ResponseFlags.of(Reason.UPSTREAM_CONNECT_FAILURE)).isEqualTo("UF");
        assertThat(ResponseFlags.of(Reason.UPSTREAM_RESET)).isEqualTo("UC");
        assertThat(ResponseFlags.of(Reason.UPSTREAM_TIMEOUT)).isEqualTo("UT");
        assertThat(ResponseFlags.of(Reason.BAD_UPSTREAM_RESPONSE)).isEqualTo("UPE");
        assertThat(ResponseFlags.of(Reason.DNS_FAILURE)).isEqualTo("DF");
        for (Reason r : Reason.values()) {
            if (r.isUpstreamFailure()) {
                assertThat(r.isDenial()).as(r.code()).isFalse();
                assertThat(ResponseFlags.of(r)).as(r.code()).matches("U[A-Z]+|DF");
            }
        }
    }

    @Test
    void everyRefusalHasAFlagAndEveryAllowNone() {
        for (Reason r : Reason.values()) {
            assertThat(ResponseFlags.of(r).equals(ResponseFlags.NONE)).as(r.code())
                    .isEqualTo(r.allows() || r == Reason.INTERNAL_ERROR);
        }
    }
}
