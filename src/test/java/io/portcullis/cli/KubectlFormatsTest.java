package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ResourceKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The bits of kubectl's output the CLI reproduces: ages, table layout, kind names. */
class KubectlFormatsTest {
    @ParameterizedTest(name = "{0}s -> {1}")
    @CsvSource({"0,0s", "59,59s", "119,119s", "120,2m", "125,2m5s", "599,9m59s", "600,10m", "10799,179m",
            "10800,3h", "11100,3h5m", "28800,8h", "172799,47h", "172800,2d", "190800,2d5h", "691200,8d",
            "63072000,2y", "63158400,2y1d", "252288000,8y"})
    void agesReadAsKubectlPrintsThem(long seconds, String expected) {
        assertThat(HumanDuration.of(Duration.ofSeconds(seconds))).isEqualTo(expected);
    }

    @Test
    void clocksSlightlyAheadReadAsNow() {
        assertThat(HumanDuration.of(Duration.ofMillis(-900))).isEqualTo("0s");
        assertThat(HumanDuration.of(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
    }

    @Test
    void columnsAreTheWidestCellPlusThreeAndAtLeastSix() {
        StringWriter out = new StringWriter();
        TablePrinter.print(new PrintWriter(out), List.of("NAME", "HOST", "AGE"),
                List.of(List.of("a", "x.example.test", "5s"), List.of("longer-name", "", "2d")));
        assertThat(out.toString()).isEqualTo(""
                + "NAME          HOST             AGE\n"
                + "a             x.example.test   5s\n"
                + "longer-name                    2d\n");
        StringWriter narrow = new StringWriter();
        TablePrinter.print(new PrintWriter(narrow), List.of("A", "B"), List.of(List.of("x", "y")));
        assertThat(narrow.toString()).isEqualTo("A     B\nx     y\n");
    }

    @Test
    void kindsAreFoundByEveryNameKubectlAccepts() {
        for (String name : List.of("serviceentries", "serviceentry", "se", "ServiceEntry", "SE",
                "serviceentries.networking.istio.io", "serviceentry.networking.istio.io")) {
            assertThat(ResourceKind.fromArgument(name)).as(name).contains(ResourceKind.SERVICE_ENTRY);
        }
        assertThat(ResourceKind.fromArgument("vs")).contains(ResourceKind.VIRTUAL_SERVICE);
        assertThat(ResourceKind.fromArgument("dr")).contains(ResourceKind.DESTINATION_RULE);
        assertThat(ResourceKind.fromArgument("gw")).contains(ResourceKind.GATEWAY);
        assertThat(ResourceKind.fromArgument("authorizationpolicies")).contains(ResourceKind.AUTHORIZATION_POLICY);
        assertThat(ResourceKind.fromArgument("egressrules")).contains(ResourceKind.EGRESS_RULE);
        assertThat(ResourceKind.fromArgument("pods")).isEmpty();
        assertThat(ResourceKind.of("config.istio.io/v1alpha2", "EgressRule")).contains(ResourceKind.EGRESS_RULE);
        assertThat(ResourceKind.of("networking.k8s.io/v1", "Gateway")).isEmpty();
        assertThat(ResourceKind.SERVICE_ENTRY.qualifiedSingular()).isEqualTo("serviceentry.networking.istio.io");
    }
}
