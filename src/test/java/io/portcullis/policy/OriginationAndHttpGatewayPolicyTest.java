package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.Problem;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DestinationRule TLS lookup and plain-HTTP Gateway servers, as the policy compiles them. */
class OriginationAndHttpGatewayPolicyTest {

    private static EgressPolicy compile(String yaml) {
        LoadResult result = FolderLoader.fromFiles(Map.of("config.yaml", yaml));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static final String BOOKS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: books}
            spec:
              hosts: [books.example.test, "*.cdn.example.test"]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 443, name: http-port-for-tls-origination, protocol: HTTP}
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: books}
            spec:
              host: books.example.test
              trafficPolicy:
                tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}
                portLevelSettings:
                - port: {number: 80}
                  tls: {mode: DISABLE}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: cdn}
            spec:
              host: "*.cdn.example.test"
              trafficPolicy:
                portLevelSettings:
                - port: {number: 443}
                  tls: {mode: SIMPLE, sni: edge.cdn.example.test, subjectAltNames: [edge.cdn.example.test]}
            """;

    @Test
    void portLevelSettingsWinOverTheTrafficPolicyAndDisableMeansPlain() {
        EgressPolicy p = compile(BOOKS);
        TlsOrigination tls = p.origination("books.example.test", 443);
        assertThat(tls.tls().mode()).isEqualTo(ClientTlsMode.SIMPLE);
        assertThat(tls.tls().caCertificates()).isEqualTo("/etc/ca.pem");
        assertThat(tls.rule().toString()).isEqualTo("DestinationRule/default/books");
        assertThat(p.origination("books.example.test", 80)).as("DISABLE on port 80").isNull();
        assertThat(p.origination("other.example.test", 443)).isNull();
    }

    @Test
    void wildcardRulesMatchTheirSubdomainsOnTheirPortsOnly() {
        EgressPolicy p = compile(BOOKS);
        assertThat(p.origination("a.cdn.example.test", 443).tls().sni()).isEqualTo("edge.cdn.example.test");
        assertThat(p.origination("a.cdn.example.test", 80)).isNull();
        assertThat(p.origination("cdn.example.test", 443)).isNull();
    }

    private static final String HTTP_GATEWAY = BOOKS + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress}
            spec:
              servers:
              - port: {number: 8080, name: http, protocol: HTTP}
                hosts: [books.example.test, other.example.test]
            """;

    @Test
    void plainHttpServersOpenAListenerRoutedByHost() {
        EgressPolicy p = compile(HTTP_GATEWAY);
        ListenerSpec l = p.listener(8080);
        assertThat(l.isHttp()).isTrue();
        assertThat(l.name()).isEqualTo("http_8080");
        assertThat(p.notes()).isEmpty();

        // The entry has no port 8080 and two HTTP ports: the listener's port is decided, and refused.
        Decision d = p.decideHttpGateway(l, "books.example.test");
        assertThat(d.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(p.decideHttpGateway(l, "evil.example.test").reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(p.decideHttpGateway(l, "other.example.test").reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
    }

    @Test
    void aGatewayServerGoesToTheEntrysOnlyHttpPortWhenItHasNoneOnTheListenersPort() {
        EgressPolicy p = compile(HTTP_GATEWAY.replace("- {number: 80, name: http, protocol: HTTP}\n", ""));
        Decision d = p.decideHttpGateway(p.listener(8080), "Books.Example.Test");
        assertThat(d.allowed()).isTrue();
        assertThat(d.binding().port().number()).isEqualTo(443);
        assertThat(d.upstream().candidates()).singleElement().hasToString("books.example.test:443");
        assertThat(p.origination("books.example.test", d.binding().port().number())).isNotNull();
    }

    @Test
    void h2cServersAreStillReportedNotServed() {
        EgressPolicy p = compile(HTTP_GATEWAY.replace("protocol: HTTP}\n    hosts", "protocol: HTTP2}\n    hosts"));
        assertThat(p.listener(8080)).isNull();
        assertThat(p.notes()).extracting(Problem::toString).anySatisfy(n -> assertThat(n).contains("HTTP2 (h2c)"));
    }
}
