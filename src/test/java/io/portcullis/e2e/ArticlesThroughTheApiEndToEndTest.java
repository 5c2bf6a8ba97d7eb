package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.RawFile;
import io.portcullis.model.ResourceKind;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.TempConfigDir;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An operator's session with the CLI against a running gateway: every file of the Istio egress
 * articles applied in turn, each read back with {@code get -o yaml}; the invalid one refused with
 * its field named and nothing changed.
 */
class ArticlesThroughTheApiEndToEndTest {
    private static final Path ARTICLES = Path.of("examples/articles");
    private static final String INVALID = "13-redis-egress-gateway-invalid.yaml";

    /** Gateway listeners of the articles (443, 7777, 6379…) bind here, away from anyone's 127.0.0.1. */
    private static RunningGateway gateway() throws Exception {
        return RunningGateway.start(TempConfigDir.create(), null, OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getByName("127.0.0.77")));
    }

    private static List<Path> articles() throws IOException {
        try (Stream<Path> files = Files.list(ARTICLES)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyArticleAppliesInTurnAndReadsBackAsWritten() throws Exception {
        try (RunningGateway g = gateway()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            for (Path article : articles()) {
                if (article.getFileName().toString().equals(INVALID)) {
                    continue;
                }
                Cli.Result applied = cli.run("apply", "-f", article.toString());
                assertThat(applied.exitCode()).as(article + "\n" + applied).isZero();
                List<RawFile.RawObject> objects = RawFile.split(article.toString(), Files.readString(article)).objects();
                assertThat(applied.stdout().lines()).as(applied.toString()).hasSize(objects.size());
                for (RawFile.RawObject o : objects) {
                    ResourceKind kind = ResourceKind.of(o.apiVersion(), o.id().kind()).orElseThrow();
                    assertThat(applied.stdout()).containsPattern(kind.qualifiedSingular() + "/" + o.id().name()
                            + " (created|configured|unchanged)\n");
                    Cli.Result got = cli.run("get", kind.plural(), o.id().name(), "-o", "yaml");
                    assertThat(got.exitCode()).as(got.toString()).isZero();
                    JsonNode back = RawFile.split("got.yaml", got.stdout()).objects().get(0).tree();
                    assertThat(back.path("spec")).as(article + " " + o.id()).isEqualTo(o.tree().path("spec"));
                    assertThat(back.path("apiVersion")).isEqualTo(o.tree().path("apiVersion"));
                    assertThat(back.at("/metadata/namespace").asText()).isEqualTo("default");
                    assertThat(back.at("/metadata/resourceVersion").asText()).matches("[0-9a-f]{16}");
                }
                if (article.getFileName().toString().startsWith("02-")) {
                    assertThat(applied.stderr()).contains("Warning: ", "EgressRule", "deprecated");
                }
                if (article.getFileName().toString().startsWith("11-")) {
                    assertThat(applied.stderr()).contains("Warning: ", "forward_downstream_sni is built into Portcullis");
                }
            }
            Cli.Result egressRules = cli.run("get", "egressrules");
            assertThat(egressRules.stdout()).containsPattern("(?m)^NAME +SERVICE +PORTS +AGE\n")
                    .containsPattern("(?m)^googleapis +\\*\\.googleapis\\.com +443/https +\\w+$")
                    .containsPattern("(?m)^mysql +127\\.0\\.0\\.1/32 +3306/tcp +\\w+$");
            assertThat(cli.run("get", "envoyfilters", "-o", "name").stdout()).isEqualTo(
                    "envoyfilter.networking.istio.io/egress-gateway-sni-verifier\n"
                            + "envoyfilter.networking.istio.io/forward-downstream-sni\n");
            assertThat(g.gateway.policy().resources().serviceEntries()).isNotEmpty();
        }
    }

    @Test
    void theInvalidArticleIsRefusedWithItsFieldAndChangesNothing() throws Exception {
        try (RunningGateway g = gateway()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            assertThat(cli.run("apply", "-f", ARTICLES.resolve("12-redis-serviceentry.yaml").toString()).exitCode()).isZero();
            Map<String, String> before = folder(g.config.path());
            long generation = g.gateway.generation();

            Cli.Result r = cli.run("apply", "-f", ARTICLES.resolve(INVALID).toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).contains("error: examples/articles/" + INVALID
                            + ": Gateway/default/istio-egressgateway spec.servers[0].addresses: unknown field")
                    .contains("Error from server (Invalid)", "nothing was written");

            assertThat(folder(g.config.path())).isEqualTo(before);
            assertThat(g.gateway.generation()).isEqualTo(generation);
            Cli.Result dr = cli.run("get", "dr", "redis-egressgateway");
            assertThat(dr.exitCode()).as("the valid DestinationRule of the same file is not applied either").isEqualTo(1);
            assertThat(dr.stderr()).isEqualTo("Error from server (NotFound): destinationrules.networking.istio.io"
                    + " \"redis-egressgateway\" not found\n");
        }
    }

    @Test
    void routeRulesAndOtherEnvoyFiltersAreRefusedByName() throws Exception {
        try (RunningGateway g = gateway()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Cli.Result routeRule = cli.runWithInput("""
                    apiVersion: config.istio.io/v1alpha2
                    kind: RouteRule
                    metadata:
                      name: old
                    spec: {destination: {name: reviews}}
                    """, "apply", "-f", "-");
            assertThat(routeRule.exitCode()).isEqualTo(1);
            assertThat(routeRule.stderr()).contains("error: STDIN: RouteRule/default/old kind: RouteRule",
                    "write a VirtualService");
            Cli.Result filter = cli.runWithInput("""
                    apiVersion: networking.istio.io/v1alpha3
                    kind: EnvoyFilter
                    metadata:
                      name: lua
                    spec:
                      filters:
                      - filterName: envoy.lua
                        filterType: HTTP
                        filterConfig: {}
                    """, "apply", "-f", "-");
            assertThat(filter.exitCode()).isEqualTo(1);
            assertThat(filter.stderr()).contains("EnvoyFilter/default/lua spec.filters[0].filterName",
                    "EnvoyFilter \"envoy.lua\" is not supported");
            assertThat(folder(g.config.path())).isEmpty();
        }
    }

    @Test
    void aFolderAppliesAllOrNothing() throws Exception {
        try (RunningGateway g = gateway(); TempConfigDir mine = TempConfigDir.create()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            mine.write("a.yaml", Files.readString(ARTICLES.resolve("01-https-googleapis-serviceentry.yaml")));
            mine.write("b.yaml", Files.readString(ARTICLES.resolve(INVALID)));
            Cli.Result refused = cli.run("apply", "-f", mine.path().toString());
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stderr()).contains(mine.path().resolve("b.yaml") + ": Gateway/default/istio-egressgateway");
            assertThat(folder(g.config.path())).isEmpty();
            assertThat(cli.run("get", "se").stderr()).isEqualTo("No resources found in default namespace.\n");

            mine.delete("b.yaml");
            Cli.Result ok = cli.run("apply", "-f", mine.path().toString());
            assertThat(ok.stdout()).isEqualTo("serviceentry.networking.istio.io/googleapis created\n"
                    + "virtualservice.networking.istio.io/googleapis created\n");
            assertThat(folder(g.config.path())).containsOnlyKeys("serviceentry.default.googleapis.yaml",
                    "virtualservice.default.googleapis.yaml");
        }
    }

    static Map<String, String> folder(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                out.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return out;
    }

}
