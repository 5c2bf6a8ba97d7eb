package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GatewayLabelsTest {
    @Test
    void everySelectorLabelMustMatchAsInIstio() {
        GatewayLabels labels = GatewayLabels.parse("istio=egressgateway, app=x");
        assertThat(labels.selects(Map.of("istio", "egressgateway"))).isTrue();
        assertThat(labels.selects(Map.of("istio", "egressgateway", "app", "x"))).isTrue();
        assertThat(labels.selects(Map.of())).isTrue();
        assertThat(labels.selects(Map.of("istio", "egressgateway", "app", "y"))).isFalse();
        assertThat(labels.selects(Map.of("istio", "egressgateway", "version", "v1"))).isFalse();
        assertThat(labels.selects(Map.of("istio", "ingressgateway"))).isFalse();
    }

    @Test
    void anInstanceWithoutLabelsServesEveryGateway() {
        assertThat(GatewayLabels.unset().selects(Map.of("istio", "egressgateway-with-sni-proxy"))).isTrue();
        // An explicit empty label set is Istio's unlabelled pod: only empty selectors select it.
        assertThat(GatewayLabels.of(Map.of()).selects(Map.of("istio", "egressgateway"))).isFalse();
        assertThat(GatewayLabels.of(Map.of()).selects(Map.of())).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "istio                     | 'istio' is not a label (expected: key=value)",
            "=x                        | '=x' is not a label (expected: key=value)",
            "a=1,a=2                   | label 'a' is given twice",
            "-bad=x                    | label '-bad' is not a label name",
            "Example.COM/app=x         | label 'Example.COM/app': the prefix before '/' is not a DNS subdomain",
            "app=has space             | label app=has space: the value is not a label value",
    })
    void aMalformedLabelIsRefusedWithItsReason(String text, String message) {
        assertThatThrownBy(() -> GatewayLabels.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void prefixedKeysAndEmptyValuesAreLabels() {
        GatewayLabels labels = GatewayLabels.parse("app.kubernetes.io/name=portcullis,canary=");
        assertThat(labels.labels()).contains(Map.of("app.kubernetes.io/name", "portcullis", "canary", ""));
    }
}
