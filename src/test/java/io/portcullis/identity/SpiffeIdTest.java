package io.portcullis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SpiffeIdTest {
    @Test
    void readsIstioIdentity() {
        SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep");
        assertThat(id.trustDomain()).isEqualTo("cluster.local");
        assertThat(id.principal()).isEqualTo("cluster.local/ns/default/sa/sleep");
        assertThat(id.namespace()).isEqualTo("default");
        assertThat(id).hasToString("spiffe://cluster.local/ns/default/sa/sleep");
    }

    @Test
    void pathWithoutNamespaceHasNone() {
        assertThat(SpiffeId.parse("spiffe://example.org/workload/a").namespace()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://cluster.local/ns/a/sa/b", "spiffe://cluster.local", "spiffe://cluster.local/",
            "spiffe://Cluster.local/ns/a", "spiffe://cluster.local/ns//sa/b", "spiffe://cluster.local/ns/../sa",
            "spiffe://cluster.local:8443/ns/a", "spiffe://cluster.local/ns/a?x=1", "spiffe://user@cluster.local/ns/a",
            "spiffe://cluster.local/ns/a b"})
    void refusesWhatIsNotASpiffeId(String text) {
        assertThatThrownBy(() -> SpiffeId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @ParameterizedTest
    @CsvSource({"spiffe://td/ns/x/sa/y,x", "spiffe://td/sa/y/ns/z,z"})
    void namespaceIsTheSegmentAfterNs(String text, String ns) {
        assertThat(SpiffeId.parse(text).namespace()).isEqualTo(ns);
    }
}
