package io.portcullis.sources.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServedVersionsTest {
    @Test
    void v1WinsWhereverItIsServed() {
        assertThat(ServedVersions.choose(List.of("v1alpha3", "v1beta1", "v1"))).contains("v1");
    }

    @Test
    void elseTheNewestInKubernetesOrder() {
        assertThat(ServedVersions.choose(List.of("v1alpha3", "v1beta1"))).contains("v1beta1");
        assertThat(ServedVersions.choose(List.of("v1beta1", "v1beta2", "v1alpha9"))).contains("v1beta2");
        assertThat(ServedVersions.choose(List.of("v1alpha3"))).contains("v1alpha3");
        assertThat(ServedVersions.choose(List.of("v2alpha1", "v1beta1"))).contains("v1beta1");
        assertThat(ServedVersions.choose(List.of("v2", "v1beta1"))).contains("v2");
    }

    @Test
    void nothingServedIsNothingToWatch() {
        assertThat(ServedVersions.choose(List.of())).isEmpty();
        assertThat(ServedVersions.choose(List.of("latest"))).isEmpty();
    }
}
