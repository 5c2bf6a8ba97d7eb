package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class GatewayLabelsOptionsTest {
    private final CommandLine cmd = new CommandLine(new RunCommand());

    @TempDir
    Path tmp;

    @Test
    void neitherOptionMeansEveryGateway() {
        assertThat(GatewayLabelsOptions.resolve(cmd, null, null).labels()).isEmpty();
    }

    @Test
    void theFileAndTheFlagAddUp() throws Exception {
        Path file = Files.writeString(tmp.resolve("labels"), "app=\"portcullis\"\nistio=\"egressgateway\"\n");
        assertThat(GatewayLabelsOptions.resolve(cmd, "zone=a,istio=egressgateway", file).labels())
                .contains(Map.of("app", "portcullis", "istio", "egressgateway", "zone", "a"));
    }

    @Test
    void contradictionsAndBadInputNameTheOption() throws Exception {
        Path file = Files.writeString(tmp.resolve("labels"), "istio=\"egressgateway\"\n");
        assertThatThrownBy(() -> GatewayLabelsOptions.resolve(cmd, "istio=other", file))
                .isInstanceOf(ParameterException.class)
                .hasMessage("--gateway-labels: istio=other contradicts istio=egressgateway in " + file);
        assertThatThrownBy(() -> GatewayLabelsOptions.resolve(cmd, null, tmp.resolve("missing")))
                .hasMessageStartingWith("--gateway-labels-file: cannot read " + tmp.resolve("missing"));
        assertThatThrownBy(() -> GatewayLabelsOptions.resolve(cmd, "istio", null))
                .hasMessage("--gateway-labels: 'istio' is not a label (expected: key=value)");
    }
}
