package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Problem;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the gateway role makes of the Istio articles' configurations: listeners and decisions. */
class ArticlesPolicyTest {
    private static final byte[] GATEWAY_IP = {127, 0, 0, 1};

    private static EgressPolicy compile(OutboundPolicy mode, String... files) throws IOException {
        Map<String, String> texts = new LinkedHashMap<>();
        for (String f : files) {
            texts.put(f, Files.readString(Path.of("examples/articles", f)));
        }
        LoadResult result = FolderLoader.fromFiles(texts);
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), mode);
    }

    private static EgressPolicy compile(String... files) throws IOException {
        return compile(OutboundPolicy.REGISTRY_ONLY, files);
    }

    @Test
    void googleapisByNameOnly() throws IOException {
        EgressPolicy p = compile("01-https-googleapis-serviceentry.yaml");
        Decision ok = p.decideHost("WWW.GoogleAPIs.com.", 443);
        assertThat(ok.allowed()).isTrue();
        assertThat(ok.resource().toString()).isEqualTo("ServiceEntry/default/googleapis");
        assertThat(ok.upstream().candidates()).extracting(UpstreamTarget.Candidate::name).containsExactly("www.googleapis.com");
        Decision otherPort = p.decideHost("www.googleapis.com", 80);
        assertThat(otherPort.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(otherPort.message()).isEqualTo(
                "no ServiceEntry allows www.googleapis.com:80 (ServiceEntry/default/googleapis declares www.googleapis.com on port 443)");
        assertThat(p.decideHost("fcm.googleapis.com", 443).allowed()).isFalse();
        assertThat(p.listeners()).isEmpty();
    }

    @Test
    void legacyEgressRulesAllowWildcardsAndAddresses() throws IOException {
        EgressPolicy p = compile("02-https-googleapis-egressrule-v1alpha2.yaml", "03-mysql-tcp-egressrule-v1alpha2.yaml");
        assertThat(p.decideHost("fcm.googleapis.com", 443).allowed()).isTrue();
        assertThat(p.decideHost("www.googleapis.com", 443).resource().kind()).isEqualTo("EgressRule");
        Decision mysql = p.decideAddress(InetAddress.getByName("127.0.0.1"), 3306);
        assertThat(mysql.allowed()).isTrue();
        assertThat(p.decideAddress(InetAddress.getByName("127.0.0.2"), 3306).allowed()).isFalse();
        // The public question suggest asks, by name or by address literal.
        assertThat(p.declares("fcm.googleapis.com", 443)).isTrue();
        assertThat(p.declares("fcm.googleapis.com", 80)).isFalse();
        assertThat(p.declares("127.0.0.1", 3306)).isTrue();
        assertThat(p.declares("127.0.0.2", 3306)).isFalse();
    }

    @Test
    void mongoTcpThroughTheGatewayGoesToTheStaticEndpoint() throws IOException {
        EgressPolicy p = compile("04-mongo-tcp-serviceentry.yaml", "05-mongo-tcp-via-egress-gateway.yaml");
        ListenerSpec l = p.listener(7777);
        assertThat(l.isTcp()).isTrue();
        Decision d = p.decideTcp(l, GATEWAY_IP);
        assertThat(d.allowed()).isTrue();
        assertThat(d.resource().toString()).isEqualTo("ServiceEntry/default/mongo");
        assertThat(d.upstream().candidates()).singleElement().hasToString("127.0.0.1:27017");
    }

    @Test
    void mutualTlsServerRoutesTheDecryptedStreamByTheTcpRoute() throws IOException {
        EgressPolicy p = compile("04-mongo-tcp-serviceentry.yaml", "06-mongo-tcp-via-egress-gateway-mtls.yaml");
        ListenerSpec l = p.listener(443);
        assertThat(l.isMutualTls()).isTrue();
        assertThat(l.tls().serverCertificate()).isEqualTo("/etc/certs/cert-chain.pem");
        Decision d = p.decideMutualTls(l, "my-mongo.tcp.svc", GATEWAY_IP);
        assertThat(d.allowed()).isTrue();
        assertThat(d.upstream().candidates()).singleElement().hasToString("127.0.0.1:27017");
        assertThat(d.binding().port().protocol().isTls()).isFalse();
        assertThat(p.decideMutualTls(l, "evil.test", GATEWAY_IP).reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(p.decideMutualTls(l, null, GATEWAY_IP).allowed()).isTrue();
    }

    @Test
    void mutualTlsServerForTlsDestinationsExpectsTlsInside() throws IOException {
        EgressPolicy tcpRoute = compile("08-mongo-tls-via-egress-gateway-mtls.yaml");
        Decision d = tcpRoute.decideMutualTls(tcpRoute.listener(443), "mongo.example.test", GATEWAY_IP);
        assertThat(d.upstream().candidates()).singleElement().hasToString("mongo.example.test:27017");
        assertThat(d.binding().port().protocol().isTls()).isTrue();

        // The wildcard article has no route at the gateway: the SNI names the host, on the listener's port.
        EgressPolicy wildcard = compile("10-mongo-wildcard-tls-via-egress-gateway.yaml");
        ListenerSpec l = wildcard.listener(443);
        Decision any = wildcard.decideMutualTls(l, "shard-1.example.test", GATEWAY_IP);
        assertThat(any.allowed()).isTrue();
        assertThat(any.upstream().candidates()).singleElement().hasToString("shard-1.example.test:443");
        assertThat(wildcard.decideMutualTls(l, null, GATEWAY_IP).reason()).isEqualTo(Reason.NO_ROUTE);
    }

    @Test
    void tlsPassthroughRoutesBySniToTheRoutedPort() throws IOException {
        EgressPolicy p = compile("09-mongo-tls-via-egress-gateway-passthrough.yaml");
        ListenerSpec l = p.listener(443);
        assertThat(l.isTlsPassthrough()).isTrue();
        Decision d = p.decideSni(l, "mongo.example.test", GATEWAY_IP);
        assertThat(d.allowed()).isTrue();
        assertThat(d.upstream().candidates()).singleElement().hasToString("mongo.example.test:27017");
        assertThat(p.decideSni(l, "other.example.test", GATEWAY_IP).reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
    }

    @Test
    void redisThroughTheGatewayUsesTheEntryAddress() throws IOException {
        EgressPolicy p = compile("12-redis-serviceentry.yaml", "14-redis-via-egress-gateway.yaml");
        Decision d = p.decideTcp(p.listener(6379), GATEWAY_IP);
        assertThat(d.allowed()).isTrue();
        assertThat(d.upstream().candidates()).singleElement().hasToString("127.0.0.1:6379");
        // The entry by itself allows the address through the explicit proxy too.
        assertThat(p.decideAddress(InetAddress.getByName("127.0.0.1"), 6379).allowed()).isTrue();
    }

    @Test
    void aTcpListenerWithoutARouteRefuses() throws IOException {
        EgressPolicy p = compile("12-redis-serviceentry.yaml", "14-redis-via-egress-gateway.yaml");
        LoadResult onlyGateway = FolderLoader.fromFiles(Map.of("gw.yaml", """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  servers:
                  - port: {number: 9000, name: tcp, protocol: TCP}
                    hosts: ["*"]
                """));
        EgressPolicy q = EgressPolicy.compile(onlyGateway.resources(), OutboundPolicy.ALLOW_ANY);
        assertThat(q.decideTcp(q.listener(9000), GATEWAY_IP).reason()).isEqualTo(Reason.NO_ROUTE);
        assertThat(p.listener(9000)).isNull();
    }

    @Test
    void allowAnyLetsUndeclaredHostsOutMarkedAsSuch() throws IOException {
        EgressPolicy p = compile(OutboundPolicy.ALLOW_ANY, "01-https-googleapis-serviceentry.yaml");
        Decision d = p.decideHost("example.org", 443);
        assertThat(d.allowed()).isTrue();
        assertThat(d.reason()).isEqualTo(Reason.UNDECLARED_ALLOWED);
        assertThat(d.resource()).isNull();
    }
}
