package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How far {@code validate -f} agrees with Istio's own validation test cases. The corpus under
 * {@code src/test/resources/istio-validation/} is derived from Istio's tables
 * ({@code tables/}, written by {@code scripts/istio-validation-corpus.py}) and its CRD-level test files
 * ({@code crds/}, copied as they are; a document with {@code _err} is invalid). Every case goes alone through
 * {@link FolderLoader#fromFiles}, the path {@code validate -f} takes, and agreement is counted per kind and
 * direction: Istio-valid accepted, Istio-invalid rejected.
 */
class IstioValidationAgreementTest {
    /** Agreement wanted in each kind and direction. */
    private static final double TARGET = 0.98;

    private static final List<String> TABLES = List.of("TestValidateGateway", "TestValidateServer",
            "TestValidateServerPort", "TestValidateTlsOptions", "TestValidateVirtualService", "TestValidateHTTPRoute",
            "TestValidateHTTPRetry", "TestValidateHTTPRewrite", "TestValidateHTTPFaultInjectionAbort",
            "TestValidateHTTPFaultInjectionDelay", "TestValidateHTTPRedirect", "TestValidateHTTPDirectResponse",
            "TestValidateDestination", "TestValidateRouteDestination", "TestValidateCORSPolicy",
            "TestValidateDestinationRule", "TestValidateTrafficPolicy", "TestValidateConnectionPool",
            "TestValidateLoadBalancer", "TestValidateOutlierDetection", "TestValidateServiceEntries",
            "TestValidateAuthorizationPolicy", "Test_validateExportTo", "TestValidateChainingVirtualService",
            "TestValidateRootHTTPRoute", "TestValidateDelegateHTTPRoute",
            "TestValidateSidecar");
    private static final List<String> CRD_FILES = List.of("authz", "destinationrule", "serviceentry");

    private static final ObjectMapper YAML = new YAMLMapper();

    record Case(String source, String name, String kind, boolean valid, String yaml) {
    }

    record Outcome(Case c, boolean accepted, String detail) {
        boolean agrees() {
            return accepted == c.valid();
        }
    }

    @Test
    void agreesWithIstioValidationCases() throws IOException {
        List<Outcome> outcomes = new ArrayList<>();
        for (Case c : cases()) {
            LoadResult r = FolderLoader.fromFiles(Map.of("case.yaml", c.yaml()));
            String detail = r.errors().stream().map(Object::toString).collect(Collectors.joining("; "));
            outcomes.add(new Outcome(c, r.errors().isEmpty(), detail));
        }
        Map<String, int[]> tally = new TreeMap<>();
        for (Outcome o : outcomes) {
            int[] t = tally.computeIfAbsent(o.c().kind() + (o.c().valid() ? " valid" : " invalid"), k -> new int[2]);
            t[0] += o.agrees() ? 1 : 0;
            t[1]++;
        }
        StringBuilder report = new StringBuilder("Agreement with Istio's validation cases (agree/total):\n");
        tally.forEach((k, t) -> report.append(String.format("  %-32s %4d/%-4d %6.1f%%%n", k, t[0], t[1],
                100.0 * t[0] / t[1])));
        report.append("Disagreements:\n");
        for (Outcome o : outcomes) {
            if (!o.agrees()) {
                report.append("  [").append(o.c().source()).append("] ").append(o.c().name()).append(": Istio says ")
                        .append(o.c().valid() ? "valid, we reject: " + o.detail() : "invalid, we accept").append('\n');
            }
        }
        System.out.println(report);
        tally.forEach((k, t) -> assertThat((double) t[0] / t[1]).as(k + "\n" + report).isGreaterThanOrEqualTo(TARGET));
    }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (String table : TABLES) {
            JsonNode rows = YAML.readTree(resource("tables/" + table + ".yaml"));
            for (JsonNode row : rows) {
                JsonNode res = row.get("resource");
                out.add(new Case(table, row.get("name").asText(), res.get("kind").asText(),
                        row.get("valid").asBoolean(), YAML.writeValueAsString(res)));
            }
        }
        for (String file : CRD_FILES) {
            for (String direction : List.of("valid", "invalid")) {
                String name = file + "-" + direction + ".yaml";
                int i = 0;
                for (String doc : resource("crds/" + name).split("(?m)^---\\s*$")) {
                    JsonNode node = YAML.readTree(doc);
                    if (node == null || !node.isObject()) {
                        continue;
                    }
                    ObjectNode obj = (ObjectNode) node;
                    boolean invalid = obj.has("_err");
                    String why = invalid ? " " + obj.remove("_err").asText() : "";
                    out.add(new Case("crds/" + name, "#" + i++ + why,
                            obj.path("kind").asText(), !invalid, YAML.writeValueAsString(obj)));
                }
            }
        }
        return out;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = IstioValidationAgreementTest.class.getResourceAsStream("/istio-validation/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
