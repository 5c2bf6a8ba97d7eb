package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.Gateway.ServerTlsMode;
import io.portcullis.model.VirtualService.Destination;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every configuration of the Istio egress articles ({@code examples/articles}), loaded one file at a time. */
class ArticlesTest {
    static final Path ARTICLES = Path.of("examples/articles");
    static final String INVALID = "13-redis-egress-gateway-invalid.yaml";

    static Stream<String> articles() throws IOException {
        try (Stream<Path> files = Files.list(ARTICLES)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    static LoadResult load(String file) {
        try {
            return FolderLoader.fromFiles(Map.of(file, Files.readString(ARTICLES.resolve(file))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void allArticlesArePresent() throws IOException {
        assertThat(articles()).hasSize(14).contains(INVALID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("articles")
    void loadsWithoutErrorsExceptTheInvalidOne(String file) {
        LoadResult result = load(file);
        if (file.equals(INVALID)) {
            assertThat(result.hasErrors()).isTrue();
            assertThat(result.errors()).anySatisfy(p -> assertThat(p.toString())
                    .contains("Gateway/default/istio-egressgateway spec.servers[0].addresses"));
            assertThat(result.resources().all()).as("refused whole").isEmpty();
        } else {
            assertThat(result.errors()).as(file).isEmpty();
        }
    }

    @Test
    void googleApisOverTlsWithSnakeCaseSniHosts() {
        ResourceSet set = load("01-https-googleapis-serviceentry.yaml").resources();
        ServiceEntry se = set.serviceEntries().get(0);
        assertThat(se.hosts()).containsExactly("www.googleapis.com");
        assertThat(se.ports()).containsExactly(new ServicePort(443, "https", Protocol.HTTPS, 0));
        assertThat(se.resolution()).isEqualTo(Resolution.DNS);
        VirtualService vs = set.virtualServices().get(0);
        assertThat(vs.tls().get(0).match().get(0).sniHosts()).containsExactly("www.googleapis.com");
        assertThat(vs.tls().get(0).match().get(0).port()).isEqualTo(443);
        assertThat(vs.tls().get(0).route().get(0).destination())
                .isEqualTo(new Destination("www.googleapis.com", null, 443));
        assertThat(set.origin(vs.id())).isEqualTo("01-https-googleapis-serviceentry.yaml");
    }

    @Test
    void legacyEgressRulesBecomeServiceEntries() {
        LoadResult https = load("02-https-googleapis-egressrule-v1alpha2.yaml");
        ServiceEntry googleapis = https.resources().serviceEntries().get(0);
        assertThat(googleapis.id().kind()).isEqualTo("EgressRule");
        assertThat(googleapis.hosts()).containsExactly("*.googleapis.com");
        assertThat(googleapis.ports()).containsExactly(new ServicePort(443, "https-443", Protocol.HTTPS, 0));
        assertThat(https.warnings()).anySatisfy(w -> assertThat(w.reason()).contains("deprecated"));

        ServiceEntry mysql = load("03-mysql-tcp-egressrule-v1alpha2.yaml").resources().serviceEntries().get(0);
        assertThat(mysql.addresses()).containsExactly(Cidr.parse("127.0.0.1/32"));
        assertThat(mysql.ports()).containsExactly(new ServicePort(3306, "tcp-3306", Protocol.TCP, 0));
        assertThat(mysql.resolution()).isEqualTo(Resolution.NONE);
    }

    @Test
    void mongoOverTcpThroughTheGateway() {
        ServiceEntry mongo = load("04-mongo-tcp-serviceentry.yaml").resources().serviceEntries().get(0);
        assertThat(mongo.resolution()).isEqualTo(Resolution.STATIC);
        assertThat(mongo.endpoints()).extracting(Endpoint::address).containsExactly("127.0.0.1");

        ResourceSet set = load("05-mongo-tcp-via-egress-gateway.yaml").resources();
        assertThat(set.gateways().get(0).servers().get(0).port()).isEqualTo(new ServicePort(7777, "tcp", Protocol.TCP, 0));
        VirtualService vs = set.virtualServices().get(0);
        assertThat(vs.gateways()).containsExactly("mesh", "istio-egressgateway");
        assertThat(vs.tcp().get(0).match().get(0).destinationSubnets()).containsExactly(Cidr.parse("127.0.0.1/32"));
        assertThat(vs.tcp().get(1).route().get(0).destination()).isEqualTo(new Destination("my-mongo.tcp.svc", null, 27017));
    }

    @Test
    void mutualTlsBetweenSidecarAndGateway() {
        ResourceSet set = load("08-mongo-tls-via-egress-gateway-mtls.yaml").resources();
        assertThat(set.gateways().get(0).servers().get(0).tls().mode()).isEqualTo(ServerTlsMode.MUTUAL);
        DestinationRule dr = set.destinationRules().get(0);
        var portTls = dr.subsets().get(0).trafficPolicy().portLevelSettings().get(0);
        assertThat(portTls.port()).isEqualTo(443);
        assertThat(portTls.tls().mode()).isEqualTo(ClientTlsMode.ISTIO_MUTUAL);
        assertThat(portTls.tls().sni()).isEqualTo("mongo.example.test");
        assertThat(dr.subsets().get(0).trafficPolicy().loadBalancer()).isEqualTo("ROUND_ROBIN");
        VirtualService vs = set.virtualServices().get(0);
        assertThat(vs.tls()).hasSize(1);
        assertThat(vs.tcp()).hasSize(1);
    }

    @Test
    void wildcardMongoNeedsNoSniProxy() {
        ResourceSet set = load("10-mongo-wildcard-tls-via-egress-gateway.yaml").resources();
        ServiceEntry se = set.serviceEntries().get(0);
        assertThat(se.hosts()).containsExactly("*.example.test");
        assertThat(se.resolution()).isEqualTo(Resolution.NONE);
        assertThat(set.virtualServices().get(0).tls().get(0).match().get(0).sniHosts()).containsExactly("*.example.test");
    }

    @Test
    void articleEnvoyFiltersAreWarningsOnly() {
        LoadResult result = load("11-envoyfilters-from-the-article.yaml");
        assertThat(result.resources().all()).isEmpty();
        assertThat(result.warnings()).extracting(p -> p.resource().name())
                .containsExactly("forward-downstream-sni", "egress-gateway-sni-verifier");
    }

    @Test
    void redisThroughTheGatewayTogetherWithItsServiceEntry() throws IOException {
        LoadResult alone = load("14-redis-via-egress-gateway.yaml");
        assertThat(alone.warnings()).anySatisfy(w -> assertThat(w.reason()).contains("redis.domain"));
        LoadResult together = FolderLoader.fromFiles(Map.of(
                "12-redis-serviceentry.yaml", Files.readString(ARTICLES.resolve("12-redis-serviceentry.yaml")),
                "14-redis-via-egress-gateway.yaml",
                Files.readString(ARTICLES.resolve("14-redis-via-egress-gateway.yaml"))));
        assertThat(together.problems()).isEmpty();
        assertThat(together.resources().serviceEntries().get(0).addresses()).containsExactly(Cidr.parse("127.0.0.1"));
        assertThat(together.resources().gateways().get(0).servers().get(0).hosts()).isEqualTo(List.of("redis.domain"));
    }
}
