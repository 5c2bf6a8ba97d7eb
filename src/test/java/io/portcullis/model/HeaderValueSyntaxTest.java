package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Envoy's header-value syntax, with the values of Istio's TestValidateHTTPHeaderValue among them. */
class HeaderValueSyntaxTest {
    @ParameterizedTest
    @ValueSource(strings = {"foo", "%HOSTNAME%", "100%%", "prefix %HOSTNAME% suffix",
            "%DOWNSTREAM_PEER_CERT_V_END(%b %d %H:%M:%S %Y %Z)%", "%DYNAMIC_METADATA(com.test.my_filter)%",
            "%REQ([\"x-a\", \"x-b\"])%", ""})
    void accepts(String value) {
        assertThat(HeaderValueSyntax.problem(value)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"%START_TIME%%", "abc%123", "50%", "%REQ([x-a])%", "%REQ([\"x\"] x)%", "a\u0001b"})
    void refuses(String value) {
        assertThat(HeaderValueSyntax.problem(value)).isNotNull();
    }
}
