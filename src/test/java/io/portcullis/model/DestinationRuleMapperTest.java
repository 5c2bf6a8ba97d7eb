package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.Subset;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DestinationRuleMapperTest {

    static String dr(String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: rule
                spec:
                """ + spec.indent(2);
    }

    @Test
    void mapsTlsOriginationPortSettingsAndSubsets() {
        DestinationRule d = single(dr("""
                host: Books.Example
                trafficPolicy:
                  tls:
                    mode: SIMPLE
                    sni: Books.Example
                    caCertificates: /etc/ca.pem
                    subjectAltNames: [books.example]
                  portLevelSettings:
                  - port: {number: 443}
                    tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem, insecureSkipVerify: false}
                subsets:
                - name: mongo
                  labels: {version: v1}
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                    port_level_settings:
                    - port: {number: 443}
                      tls: {mode: ISTIO_MUTUAL, sni: mongo.example.test}
                exportTo: ["."]
                """), DestinationRule.class);
        assertThat(d.host()).isEqualTo("books.example");
        TrafficPolicy tp = d.trafficPolicy();
        assertThat(tp.loadBalancer()).isNull();
        assertThat(tp.tls()).isEqualTo(new ClientTls(ClientTlsMode.SIMPLE, null, null, "/etc/ca.pem",
                List.of("books.example"), "books.example", false));
        assertThat(tp.portLevelSettings()).containsExactly(new PortTrafficPolicy(443, null,
                new ClientTls(ClientTlsMode.MUTUAL, "/c.pem", "/k.pem", null, List.of(), null, false)));
        Subset s = d.subsets().get(0);
        assertThat(s.name()).isEqualTo("mongo");
        assertThat(s.labels()).isEqualTo(Map.of("version", "v1"));
        assertThat(s.trafficPolicy().loadBalancer()).isEqualTo("ROUND_ROBIN");
        assertThat(s.trafficPolicy().portLevelSettings().get(0).tls().mode()).isEqualTo(ClientTlsMode.ISTIO_MUTUAL);
        assertThat(d.exportTo()).containsExactly(".");
    }

    @Test
    void hostOnlyRuleAndTlsWithoutModeIsDisable() {
        assertThat(single(dr("host: my-mongo.tcp.svc"), DestinationRule.class).trafficPolicy()).isNull();
        DestinationRule d = single(dr("""
                host: api.example.com
                trafficPolicy: {tls: {sni: api.example.com}}
                """), DestinationRule.class);
        assertThat(d.trafficPolicy().tls().mode()).isEqualTo(ClientTlsMode.DISABLE);
    }

    @Test
    void simpleLoadBalancersAreActedOnPassthroughAndTheOthersWarned() {
        String leastRequest = dr("""
                host: api.example.com
                trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
                """);
        assertThat(single(leastRequest, DestinationRule.class).trafficPolicy().loadBalancer()).isEqualTo("LEAST_REQUEST");
        assertThat(Fixtures.warnings(leastRequest)).isEmpty();
        warning(dr("""
                host: api.example.com
                trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
                """), "spec.trafficPolicy.loadBalancer.simple", "not acted on");
    }

    @Test
    void outlierDetectionIsMappedWithIstiosDefaultsAndItsUnservedFieldsWarned() {
        String yaml = dr("""
                host: api.example.com
                trafficPolicy:
                  outlierDetection: {consecutiveGatewayErrors: 3, interval: 20s, minHealthPercent: 50, baseEjectionTime: 1m}
                  portLevelSettings:
                  - port: {number: 80}
                    outlierDetection: {consecutive5xxErrors: 0}
                """);
        TrafficPolicy tp = single(yaml, DestinationRule.class).trafficPolicy();
        // Both of Envoy's detectors: the gateway errors as set, the 5xx at their default.
        assertThat(tp.outlierDetection()).contains(new DestinationRule.OutlierDetection(OptionalInt.of(5), OptionalInt.of(3),
                java.time.Duration.ofMinutes(1), 10, java.time.Duration.ofSeconds(20)));
        // consecutive5xxErrors: 0 turns the detection off.
        assertThat(tp.portLevelSettings().get(0).outlierDetection()).isEmpty();
        // interval paces the decay of the ejection count: acted on, no warning; minHealthPercent is not.
        warning(yaml, "spec.trafficPolicy.outlierDetection.minHealthPercent", "not acted on");
        assertThat(Fixtures.warnings(yaml)).noneMatch(p -> p.toString().contains("outlierDetection.interval"));
        assertThat(single(dr("""
                host: api.example.com
                trafficPolicy: {outlierDetection: {}}
                """), DestinationRule.class).trafficPolicy().outlierDetection())
                .contains(new DestinationRule.OutlierDetection(OptionalInt.of(5), OptionalInt.empty(),
                        java.time.Duration.ofSeconds(30), 10));
        // Istio maps the deprecated consecutiveErrors to gateway errors alone.
        assertThat(single(dr("""
                host: api.example.com
                trafficPolicy: {outlierDetection: {consecutiveErrors: 2, consecutive5xxErrors: 7}}
                """), DestinationRule.class).trafficPolicy().outlierDetection())
                .contains(new DestinationRule.OutlierDetection(OptionalInt.empty(), OptionalInt.of(2),
                        java.time.Duration.ofSeconds(30), 10));
    }

    @Test
    void tuningFieldsAreWarnings() {
        String yaml = dr("""
                host: api.example.com
                workloadSelector: {matchLabels: {app: x}}
                trafficPolicy:
                  connectionPool: {tcp: {maxConnections: 10}}
                  outlierDetection: {consecutive5xxErrors: 3}
                  loadBalancer: {simple: RANDOM, consistentHash: {httpHeaderName: x}}
                  portLevelSettings:
                  - port: {number: 443}
                    connectionPool: {tcp: {maxConnections: 1}}
                  tls: {mode: SIMPLE, credentialName: books-ca}
                """);
        for (String field : List.of("spec.workloadSelector", "spec.trafficPolicy.loadBalancer.consistentHash")) {
            warning(yaml, field, "not acted on");
        }
        // HTTP 5xx answers eject now (OutlierDetectionEndToEndTest): no warning for consecutive5xxErrors.
        assertThat(Fixtures.warnings(yaml)).noneMatch(p -> String.valueOf(p.field()).contains("outlierDetection"));
        // maxConnections is enforced now: no warning for it.
        assertThat(Fixtures.warnings(yaml)).noneMatch(p -> String.valueOf(p.field()).contains("connectionPool"));
    }

    @Test
    void tunnelAndTheEnforcedConnectionPoolAreMappedTheRestWarnedFieldByField() {
        String yaml = dr("""
                host: proxy.corp.example
                trafficPolicy:
                  tunnel: {targetHost: API.example.com, targetPort: 443}
                  connectionPool:
                    tcp: {maxConnections: 10, connectTimeout: 250ms, maxConnectionDuration: 1h,
                          tcpKeepalive: {time: 30s, interval: 5s, probes: 4}}
                    http: {http1MaxPendingRequests: 2, maxRequestsPerConnection: 100, idleTimeout: 15s, maxRetries: 3,
                           http2MaxRequests: 9}
                  portLevelSettings:
                  - port: {number: 3128}
                    connectionPool: {tcp: {maxConnections: 1}}
                subsets:
                - name: v1
                  trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
                """);
        TrafficPolicy tp = single(yaml, DestinationRule.class).trafficPolicy();
        assertThat(tp.tunnel()).contains(new DestinationRule.Tunnel("CONNECT", "api.example.com", 443));
        DestinationRule.ConnectionPool pool = tp.connectionPool().orElseThrow();
        assertThat(pool.maxConnections()).hasValue(10);
        assertThat(pool.connectTimeout()).contains(java.time.Duration.ofMillis(250));
        assertThat(pool.tcpKeepalive()).contains(new DestinationRule.TcpKeepalive(java.util.OptionalInt.of(4),
                java.util.Optional.of(java.time.Duration.ofSeconds(30)), java.util.Optional.of(java.time.Duration.ofSeconds(5))));
        assertThat(pool.http1MaxPendingRequests()).hasValue(2);
        assertThat(pool.maxRequestsPerConnection()).hasValue(100);
        assertThat(pool.idleTimeout()).contains(java.time.Duration.ofSeconds(15));
        assertThat(tp.portLevelSettings().get(0).connectionPool().orElseThrow().maxConnections()).hasValue(1);
        warning(yaml, "spec.trafficPolicy.connectionPool.tcp.maxConnectionDuration", "not acted on");
        warning(yaml, "spec.trafficPolicy.connectionPool.http.maxRetries", "does not retry");
        warning(yaml, "spec.trafficPolicy.connectionPool.http.http2MaxRequests", "HTTP/1.1 upstream");
        warning(yaml, "spec.subsets[0].trafficPolicy", "not in a subset's");
        assertThat(Fixtures.warnings(yaml)).noneMatch(p -> String.valueOf(p.field()).endsWith("tunnel")
                || String.valueOf(p.field()).endsWith("maxConnections"));

        warning(dr("""
                host: proxy.corp.example
                trafficPolicy: {tunnel: {protocol: POST, targetHost: api.example.com, targetPort: 443}}
                """), "spec.trafficPolicy.tunnel.protocol", "CONNECT only");
    }

    @Test
    void credentialNameIsCarriedAsTheSecretToReadTheMaterialFrom() {
        DestinationRule r = Fixtures.single(dr("""
                host: api.example.com
                trafficPolicy: {tls: {mode: MUTUAL, credentialName: api-client}}
                """), DestinationRule.class);
        assertThat(r.trafficPolicy().tls().credential()).contains(CredentialRef.unbound("api-client"));
        assertThat(Fixtures.warnings(dr("""
                host: api.example.com
                trafficPolicy: {tls: {mode: MUTUAL, credentialName: api-client}}
                """))).isEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("insecureSkipVerify with a CA", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem}}
                        """, "spec.trafficPolicy.tls.caCertificates", "cannot be set with insecureSkipVerify: true"),
                arguments("insecureSkipVerify with names to verify", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: MUTUAL, insecureSkipVerify: true, clientCertificate: /c.pem,
                          privateKey: /k.pem, subjectAltNames: [api.example.com]}}
                        """, "spec.trafficPolicy.tls.subjectAltNames", "cannot be set with insecureSkipVerify: true"),
                arguments("a negative pool size", """
                        host: api.example.com
                        trafficPolicy: {connectionPool: {tcp: {maxConnections: -1}}}
                        """, "spec.trafficPolicy.connectionPool.tcp.maxConnections", "is negative"),
                arguments("a sub-millisecond timeout", """
                        host: api.example.com
                        trafficPolicy: {connectionPool: {tcp: {connectTimeout: 1500us}}}
                        """, "spec.trafficPolicy.connectionPool.tcp.connectTimeout", "finer than a millisecond"),
                arguments("an ejection percentage over 100", """
                        host: api.example.com
                        trafficPolicy: {outlierDetection: {maxEjectionPercent: 101}}
                        """, "spec.trafficPolicy.outlierDetection.maxEjectionPercent", "is not a percentage"),
                arguments("a maglev table that is not prime", """
                        host: api.example.com
                        trafficPolicy: {loadBalancer: {consistentHash: {maglev: {tableSize: 1000}}}}
                        """, "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize", "not a prime"),
                arguments("a subset label key", """
                        host: api.example.com
                        subsets: [{name: v1, labels: {"bad key": v1}}]
                        """, "spec.subsets[0].labels", "is not a label key"),
                arguments("a ConfigMap of another namespace", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: SIMPLE, credentialName: "configmap://other/ca"}}
                        """, "spec.trafficPolicy.tls.credentialName", "only use ConfigMaps of its own namespace"),
                arguments("host required", """
                        trafficPolicy: {tls: {mode: SIMPLE}}
                        """, "spec.host", "required"),
                arguments("host is a name", """
                        host: "books example"
                        """, "spec.host", "is not a valid host name"),
                arguments("MUTUAL needs a client certificate", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: MUTUAL, privateKey: /k.pem}}
                        """, "spec.trafficPolicy.tls.clientCertificate", "required with mode MUTUAL"),
                arguments("MUTUAL needs a key", """
                        host: api.example.com
                        trafficPolicy:
                          portLevelSettings:
                          - port: {number: 443}
                            tls: {mode: MUTUAL, clientCertificate: /c.pem}
                        """, "spec.trafficPolicy.portLevelSettings[0].tls.privateKey", "required with mode MUTUAL"),
                arguments("credentialName excludes files", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: SIMPLE, credentialName: c, caCertificates: /ca.pem}}
                        """, "spec.trafficPolicy.tls.caCertificates", "cannot be combined with credentialName"),
                arguments("client tls mode is an enum", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: TLS}}
                        """, "spec.trafficPolicy.tls.mode", "expected one of: DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL"),
                arguments("insecureSkipVerify is a boolean", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: "yes"}}
                        """, "spec.trafficPolicy.tls.insecureSkipVerify", "expected true or false"),
                arguments("sni is an exact name", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: SIMPLE, sni: "*.example.com"}}
                        """, "spec.trafficPolicy.tls.sni", "is not a server name"),
                arguments("simple load balancer is Istio's", """
                        host: api.example.com
                        trafficPolicy: {loadBalancer: {simple: FASTEST}}
                        """, "spec.trafficPolicy.loadBalancer.simple", "\"FASTEST\" is not a valid simple load balancer"),
                arguments("empty traffic policy", """
                        host: api.example.com
                        trafficPolicy: {}
                        """, "spec.trafficPolicy", "must have at least one field"),
                arguments("port settings need a port", """
                        host: api.example.com
                        trafficPolicy:
                          portLevelSettings: [{tls: {mode: SIMPLE}}]
                        """, "spec.trafficPolicy.portLevelSettings[0].port", "required"),
                arguments("port settings need settings", """
                        host: api.example.com
                        trafficPolicy:
                          portLevelSettings: [{port: {number: 443}}]
                        """, "spec.trafficPolicy.portLevelSettings[0]", "must have at least one of"),
                arguments("port settings once per port", """
                        host: api.example.com
                        trafficPolicy:
                          portLevelSettings:
                          - {port: {number: 443}, tls: {mode: SIMPLE}}
                          - {port: {number: 443}, tls: {mode: DISABLE}}
                        """, "spec.trafficPolicy.portLevelSettings[1].port", "already has settings"),
                arguments("subset name required", """
                        host: api.example.com
                        subsets: [{labels: {v: "1"}}]
                        """, "spec.subsets[0].name", "required"),
                arguments("subset names unique", """
                        host: api.example.com
                        subsets: [{name: a}, {name: a}]
                        """, "spec.subsets[1].name", "subset name \"a\" is already used by spec.subsets[0]"),
                arguments("subset labels are strings", """
                        host: api.example.com
                        subsets: [{name: a, labels: {version: 1}}]
                        """, "spec.subsets[0].labels.version", "expected a string, got number 1 (quote it)"),
                arguments("unknown client tls field", """
                        host: api.example.com
                        trafficPolicy: {tls: {mode: SIMPLE, verify: true}}
                        """, "spec.trafficPolicy.tls.verify",
                        "DestinationRule.ClientTLSSettings has no field \"verify\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refuses(String rule, String spec, String field, String fragment) {
        onlyError(dr(spec), field, fragment);
    }
}
