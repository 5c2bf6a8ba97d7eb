package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of {@code examples/istio-tasks} passes {@code portcullis validate -f} with exactly
 * the warnings listed here: each names a field the gateway accepts but does not act on (yet), or
 * a Secret the task creates separately. When a feature lands that acts on one of these fields,
 * its warning leaves this table.
 */
class IstioTasksValidateTest {
    private static final Path TASKS = Path.of("examples/istio-tasks");
    private static final String SUBSET_POLICY = "trafficPolicy: tunnel, connectionPool, outlierDetection and loadBalancer"
            + " are acted on in the rule's own trafficPolicy only, not in a subset's";

    /** File to the warnings {@code validate} prints for it (each a substring of one warning line). */
    private static final Map<String, List<String>> WARNINGS = Map.ofEntries(
            Map.entry("01-egress-control-httpbin.yaml", List.of()),
            Map.entry("02-egress-control-google.yaml", List.of()),
            Map.entry("03-egress-control-httpbin-timeout.yaml", List.of()),
            Map.entry("04-tls-origination-cnn-serviceentry.yaml", List.of()),
            Map.entry("05-tls-origination-cnn.yaml", List.of()),
            Map.entry("06-tls-origination-mutual.yaml", List.of(
                    "DestinationRule/default/originate-mtls-for-nginx spec.workloadSelector: accepted but not acted on",
                    "DestinationRule/default/originate-mtls-for-nginx: credentialName \"client-credential\": no"
                            + " Secret/default/client-credential (yet)")),
            Map.entry("07-egress-gateway-http.yaml", List.of()),
            Map.entry("08-egress-gateway-https.yaml", List.of()),
            Map.entry("09-egress-gateway-tls-origination.yaml", List.of(
                    "DestinationRule/default/egressgateway-for-cnn spec.subsets[0]." + SUBSET_POLICY)),
            Map.entry("10-egress-gateway-mtls-origination.yaml", List.of(
                    "DestinationRule/default/egressgateway-for-nginx spec.subsets[0]." + SUBSET_POLICY,
                    "DestinationRule/istio-system/originate-mtls-for-nginx: credentialName \"client-credential\": no"
                            + " Secret/istio-system/client-credential (yet)")),
            Map.entry("11-wildcard-direct.yaml", List.of()),
            Map.entry("12-wildcard-via-egress-gateway.yaml", List.of()),
            Map.entry("13-http-proxy.yaml", List.of()));

    static Stream<String> tasks() throws IOException {
        try (Stream<Path> files = Files.list(TASKS)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void everyTaskFileIsInTheTable() throws IOException {
        assertThat(tasks()).containsExactlyInAnyOrderElementsOf(WARNINGS.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tasks")
    void validatesWithTheExpectedWarnings(String file) {
        String path = TASKS.resolve(file).toString();
        Cli.Result r = InJvmCli.against(null).run("validate", "-f", path);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> warnings = (r.stdout() + r.stderr()).lines().filter(l -> l.startsWith("warning: ")).toList();
        List<String> expected = WARNINGS.get(file);
        assertThat(warnings).as(r.toString()).hasSameSizeAs(expected);
        for (String w : expected) {
            assertThat(warnings).as(r.toString()).filteredOn(l -> l.startsWith("warning: " + path + ": " + w)).hasSize(1);
        }
        assertThat(r.stdout() + r.stderr()).contains("valid: ");
    }
}
