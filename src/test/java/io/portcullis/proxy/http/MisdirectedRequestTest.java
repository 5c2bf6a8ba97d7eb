package io.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Reason;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MisdirectedRequestTest {
    @Test
    void theHostMustBeTheSniUpToCaseAndATrailingDot() {
        assertThat(MisdirectedRequest.check("api.example.com", "api.example.com")).isEmpty();
        assertThat(MisdirectedRequest.check("API.example.com.", "api.EXAMPLE.com")).isEmpty();
        Optional<Route.Refuse> other = MisdirectedRequest.check("api.example.com", "admin.example.com");
        assertThat(other).isPresent();
        assertThat(other.get().reason()).isEqualTo(Reason.HOST_MISMATCH);
        assertThat(other.get().status()).hasValueSatisfying(s -> assertThat(s.code()).isEqualTo(421));
        assertThat(other.get().message())
                .isEqualTo("Host admin.example.com is not the name this TLS connection was set up for (SNI api.example.com)");
    }

    @Test
    void aWildcardSniCoversItsSubdomainsOnly() {
        assertThat(MisdirectedRequest.check("*.example.com", "a.example.com")).isEmpty();
        assertThat(MisdirectedRequest.check("*.example.com", "a.b.example.com")).isEmpty();
        assertThat(MisdirectedRequest.check("*.example.com", "example.com")).isPresent();
        assertThat(MisdirectedRequest.check("*.example.com", "a.example.org")).isPresent();
    }

    @Test
    void aConnectionWithoutSniHoldsNothingHere() {
        assertThat(MisdirectedRequest.check(null, "anything.example.com")).isEmpty();
        assertThat(MisdirectedRequest.check("", "anything.example.com")).isEmpty();
    }
}
