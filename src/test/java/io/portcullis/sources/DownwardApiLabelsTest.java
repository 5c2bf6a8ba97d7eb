package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownwardApiLabelsTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheFileTheKubeletWritesForMetadataLabels() throws Exception {
        // What the kubelet writes for fieldRef metadata.labels: sorted keys, Go-quoted values, no final newline.
        Path file = Files.writeString(tmp.resolve("labels"),
                "app=\"portcullis\"\nistio=\"egressgateway\"\npod-template-hash=\"5d9c7b8f4\"");
        assertThat(DownwardApiLabels.read(file).labels()).contains(
                Map.of("app", "portcullis", "istio", "egressgateway", "pod-template-hash", "5d9c7b8f4"));
    }

    @Test
    void aLineThatIsNotKeyEqualsQuotedValueIsRefusedWithItsLine() {
        assertThatThrownBy(() -> DownwardApiLabels.parse("labels", List.of("app=\"x\"", "istio=egressgateway")))
                .hasMessage("labels:2: 'istio=egressgateway' is not a label (expected: key=\"value\")");
        assertThatThrownBy(() -> DownwardApiLabels.parse("labels", List.of("app=\"a\\nb\"")))
                .hasMessage("labels:1: escape '\\n' cannot occur in a label value");
        assertThatThrownBy(() -> DownwardApiLabels.parse("labels", List.of("app=\"a b\"")))
                .hasMessageStartingWith("labels: label app=a b: the value is not a label value");
    }
}
