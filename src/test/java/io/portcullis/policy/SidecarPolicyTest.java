package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the sidecar role makes of the articles: the decisions Istio's sidecar takes, without sockets. */
class SidecarPolicyTest {
    private static final String GATEWAY = "istio-egressgateway.istio-system.svc.cluster.local";

    private static SidecarPolicy compile(OutboundPolicy mode, String... files) throws IOException {
        Map<String, String> texts = new LinkedHashMap<>();
        for (String f : files) {
            texts.put(f, Files.readString(Path.of("examples/articles", f)));
        }
        LoadResult result = FolderLoader.fromFiles(texts);
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), mode).sidecar();
    }

    private static SidecarPolicy compile(String... files) throws IOException {
        return compile(OutboundPolicy.REGISTRY_ONLY, files);
    }

    private static InetAddress ip(String s) throws IOException {
        return InetAddress.getByName(s);
    }

    @Test
    void redisIsClosedUntilDeclaredThenGoesStraightOut() throws IOException {
        SidecarPolicy none = compile();
        SidecarDecision closed = none.decide(ip("127.0.0.1"), 6379, null, false);
        assertThat(closed.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(closed.message()).isEqualTo("no ServiceEntry allows 127.0.0.1:6379");

        SidecarPolicy p = compile("12-redis-serviceentry.yaml");
        assertThat(p.peekFor(ip("127.0.0.1"), 6379)).isEqualTo(SidecarPolicy.Peek.NONE);
        SidecarDecision d = p.decide(ip("127.0.0.1"), 6379, null, false);
        assertThat(d.allowed()).isTrue();
        assertThat(d.viaGateway()).isFalse();
        assertThat(d.checkName()).isNull();
        assertThat(d.upstream().candidates()).singleElement().hasToString("127.0.0.1:6379");
        assertThat(p.decide(ip("127.0.0.2"), 6379, null, false).allowed()).isFalse();
    }

    @Test
    void allowAnyPassesUndeclaredToTheOriginalDestination() throws IOException {
        SidecarDecision d = compile(OutboundPolicy.ALLOW_ANY).decide(ip("192.0.2.7"), 8080, null, false);
        assertThat(d.reason()).isEqualTo(Reason.UNDECLARED_ALLOWED);
        assertThat(d.upstream().candidates()).singleElement().hasToString("192.0.2.7:8080");
    }

    @Test
    void redisThroughTheGatewayFollowsTheMeshTcpRoute() throws IOException {
        SidecarDecision d = compile("12-redis-serviceentry.yaml", "14-redis-via-egress-gateway.yaml")
                .decide(ip("127.0.0.1"), 6379, null, false);
        assertThat(d.viaGateway()).isTrue();
        assertThat(d.tls()).isNull();
        assertThat(d.route()).hasToString("VirtualService/default/redis-through-egress-gateway");
        assertThat(d.upstream().candidates()).singleElement().hasToString(GATEWAY + ":6379");
    }

    @Test
    void mongoTcpToTheGatewayPlainThenWithIstioMutual() throws IOException {
        SidecarDecision plain = compile("04-mongo-tcp-serviceentry.yaml", "05-mongo-tcp-via-egress-gateway.yaml")
                .decide(ip("127.0.0.1"), 27017, null, false);
        assertThat(plain.viaGateway()).isTrue();
        assertThat(plain.tls()).isNull();
        assertThat(plain.upstream().candidates()).singleElement().hasToString(GATEWAY + ":7777");

        SidecarDecision mtls = compile("04-mongo-tcp-serviceentry.yaml", "06-mongo-tcp-via-egress-gateway-mtls.yaml")
                .decide(ip("127.0.0.1"), 27017, null, false);
        assertThat(mtls.upstream().candidates()).singleElement().hasToString(GATEWAY + ":443");
        assertThat(mtls.tls().mode()).isEqualTo(ClientTlsMode.ISTIO_MUTUAL);
        assertThat(mtls.tlsSni()).isEqualTo("my-mongo.tcp.svc");
    }

    @Test
    void mongoTcpWithoutGatewayGoesToTheStaticEndpoint() throws IOException {
        SidecarDecision d = compile("04-mongo-tcp-serviceentry.yaml").decide(ip("127.0.0.1"), 27017, null, false);
        assertThat(d.viaGateway()).isFalse();
        assertThat(d.upstream().candidates()).singleElement().hasToString("127.0.0.1:27017");
    }

    @Test
    void mongoTlsIsMatchedBySniAndForwardsTheSniToTheGateway() throws IOException {
        SidecarPolicy p = compile("08-mongo-tls-via-egress-gateway-mtls.yaml");
        assertThat(p.peekFor(ip("203.0.113.5"), 27017)).isEqualTo(SidecarPolicy.Peek.TLS);
        SidecarDecision d = p.decide(ip("203.0.113.5"), 27017, "Mongo.Example.TEST", true);
        assertThat(d.allowed()).isTrue();
        assertThat(d.viaGateway()).isTrue();
        assertThat(d.tls().mode()).isEqualTo(ClientTlsMode.ISTIO_MUTUAL);
        assertThat(d.tlsSni()).isEqualTo("mongo.example.test");
        assertThat(d.checkName()).isEqualTo("mongo.example.test");
        assertThat(d.checkAddresses()).isNull();
        assertThat(d.mismatch()).isEqualTo(Reason.SNI_MISMATCH);
        assertThat(p.decide(ip("203.0.113.5"), 27017, "evil.test", true).reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(p.decide(ip("203.0.113.5"), 27017, null, true).message())
                .isEqualTo("no ServiceEntry allows 203.0.113.5:27017 (the connection named no host: no SNI)");
    }

    @Test
    void passthroughGatewayGetsThePlainTlsStream() throws IOException {
        SidecarDecision d = compile("09-mongo-tls-via-egress-gateway-passthrough.yaml")
                .decide(ip("203.0.113.5"), 27017, "mongo.example.test", true);
        assertThat(d.viaGateway()).isTrue();
        assertThat(d.tls()).isNull();
        assertThat(d.upstream().candidates()).singleElement().hasToString(GATEWAY + ":443");
    }

    @Test
    void wildcardHostsAnnounceTheAppsSniToTheGateway() throws IOException {
        SidecarDecision d = compile("10-mongo-wildcard-tls-via-egress-gateway.yaml")
                .decide(ip("203.0.113.9"), 27017, "shard-1.example.test", true);
        assertThat(d.tls().mode()).isEqualTo(ClientTlsMode.ISTIO_MUTUAL);
        assertThat(d.tlsSni()).isEqualTo("shard-1.example.test");
        assertThat(d.upstream().candidates()).singleElement()
                .hasToString("istio-egressgateway-with-sni-proxy.istio-system.svc.cluster.local:443");
    }

    @Test
    void tlsWithoutGatewayGoesToTheAddressTheAppChoseOnceTheNameIsChecked() throws IOException {
        SidecarDecision d = compile("07-mongo-tls-serviceentry.yaml").decide(ip("203.0.113.5"), 27017, "mongo.example.test", true);
        assertThat(d.viaGateway()).isFalse();
        assertThat(d.tls()).isNull();
        assertThat(d.checkName()).isEqualTo("mongo.example.test");
        assertThat(d.upstream().candidates()).singleElement().hasToString("203.0.113.5:27017");
    }

    @Test
    void httpsByNameAndMysqlByAddress() throws IOException {
        SidecarPolicy p = compile("01-https-googleapis-serviceentry.yaml", "03-mysql-tcp-egressrule-v1alpha2.yaml");
        assertThat(p.peekFor(ip("142.250.74.74"), 443)).isEqualTo(SidecarPolicy.Peek.TLS);
        assertThat(p.decide(ip("142.250.74.74"), 443, "www.googleapis.com", true).allowed()).isTrue();
        assertThat(p.decide(ip("142.250.74.74"), 443, "fcm.googleapis.com", true).allowed()).isFalse();
        assertThat(p.peekFor(ip("127.0.0.1"), 3306)).isEqualTo(SidecarPolicy.Peek.NONE);
        assertThat(p.decide(ip("127.0.0.1"), 3306, null, false).allowed()).isTrue();
    }

    @Test
    void theGatewaysNameComesFromAMeshInternalEntry() throws IOException {
        LoadResult result = FolderLoader.fromFiles(Map.of("a.yaml", Files.readString(
                Path.of("examples/articles/12-redis-serviceentry.yaml")), "b.yaml", Files.readString(
                Path.of("examples/articles/14-redis-via-egress-gateway.yaml")), "c.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: egressgateway, namespace: istio-system}
                spec:
                  hosts: [istio-egressgateway.istio-system.svc.cluster.local]
                  location: MESH_INTERNAL
                  ports: [{number: 6379, name: tcp, protocol: TCP}]
                  resolution: STATIC
                  endpoints: [{address: 10.0.0.9}, {address: 10.0.0.10}]
                """));
        assertThat(result.errors()).isEmpty();
        SidecarDecision d = EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY).sidecar()
                .decide(ip("127.0.0.1"), 6379, null, false);
        assertThat(d.viaGateway()).isTrue();
        assertThat(d.upstream().candidates()).extracting(Object::toString).containsExactly("10.0.0.9:6379", "10.0.0.10:6379");
    }

    @Test
    void httpIsMatchedByHost() throws IOException {
        LoadResult result = FolderLoader.fromFiles(Map.of("books.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: books}
                spec:
                  hosts: [books.example.test]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """));
        SidecarPolicy p = EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY).sidecar();
        assertThat(p.peekFor(ip("198.51.100.1"), 80)).isEqualTo(SidecarPolicy.Peek.HTTP);
        SidecarDecision d = p.decide(ip("198.51.100.1"), 80, "books.example.test", false);
        assertThat(d.allowed()).isTrue();
        assertThat(d.mismatch()).isEqualTo(Reason.HOST_MISMATCH);
    }
}
