package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Gateway.ServerTlsMode;
import io.portcullis.model.Problem;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Gateway servers that terminate TLS for HTTP (HTTPS with SIMPLE or OPTIONAL_MUTUAL), as the policy plans them. */
class HttpsGatewayServerPolicyTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: books}
            spec:
              hosts: [a.example.test, b.example.test]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 8443, name: https-a, protocol: HTTPS}
                hosts: [a.example.test]
                tls: {mode: SIMPLE, serverCertificate: /a.pem, privateKey: /a-key.pem}
              - port: {number: 8443, name: https-b, protocol: HTTPS}
                hosts: ["ns/b.example.test"]
                tls: {mode: SIMPLE, credentialName: b-cert}
              - port: {number: 9443, name: optional, protocol: HTTPS}
                hosts: [a.example.test]
                tls: {mode: OPTIONAL_MUTUAL, serverCertificate: /a.pem, privateKey: /a-key.pem, caCertificates: /ca.pem}
              - port: {number: 7443, name: tls, protocol: TLS}
                hosts: [a.example.test]
                tls: {mode: SIMPLE, serverCertificate: /a.pem, privateKey: /a-key.pem}
            """;

    private static EgressPolicy compile() {
        LoadResult result = FolderLoader.fromFiles(Map.of("gw.yaml", CONFIG));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    @Test
    void simpleAndOptionalMutualHttpsServersOpenListenersThatTerminateTlsAndRouteHttp() {
        EgressPolicy p = compile();
        ListenerSpec simple = p.listener(8443);
        assertThat(simple.terminatesTls()).isTrue();
        assertThat(simple.isHttp()).isTrue();
        assertThat(simple.isMutualTls()).isFalse();
        assertThat(simple.isTlsPassthrough()).isFalse();
        assertThat(simple.name()).isEqualTo("https_8443");
        assertThat(simple.servers()).extracting(s -> s.tls().serverCertificate()).containsExactly("/a.pem", null);
        assertThat(simple.servers().get(1).tls().credential()).isPresent();
        ListenerSpec optional = p.listener(9443);
        assertThat(optional.terminatesTls()).isTrue();
        assertThat(optional.tls().mode()).isEqualTo(ServerTlsMode.OPTIONAL_MUTUAL);
    }

    @Test
    void sniPicksTheServerAndTheHostIsHeldToThatServersHosts() {
        EgressPolicy p = compile();
        ListenerSpec l = p.listener(8443);
        ListenerSpec.ServerRef b = l.serverForSni("B.Example.Test.").orElseThrow();
        assertThat(b.hosts()).containsExactly("ns/b.example.test");
        assertThat(l.serverForSni("c.example.test")).isEmpty();
        assertThat(l.serverForSni(null)).contains(l.servers().get(0));

        ListenerSpec onlyB = l.forServer(b);
        assertThat(onlyB.tls()).isSameAs(b.tls());
        assertThat(p.decideHttpGateway(onlyB, "b.example.test").allowed()).isTrue();
        Decision crossed = p.decideHttpGateway(onlyB, "a.example.test");
        assertThat(crossed.reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(p.decideHttpGateway(l, "a.example.test").allowed()).as("either host on the whole listener").isTrue();
    }

    @Test
    void simpleOnATlsServerIsStillWarnedAboutAndOpensNothing() {
        EgressPolicy p = compile();
        assertThat(p.listener(7443)).isNull();
        assertThat(p.notes()).extracting(Problem::toString).anySatisfy(n -> assertThat(n)
                .contains("Gateway/default/egress spec.servers[3]")
                .contains("no listener opened on port 7443: tls.mode SIMPLE on a TLS server is not served"));
        assertThat(p.notes()).extracting(Problem::toString).noneSatisfy(n -> assertThat(n).contains("port 8443"));
    }
}
