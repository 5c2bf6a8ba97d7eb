package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which DestinationRule tunnel, connection pool and balancer apply to an allowed connection. */
class TrafficPolicyIndexTest {

    private static EgressPolicy compile(String yaml) {
        LoadResult result = FolderLoader.fromFiles(Map.of("config.yaml", yaml));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.ALLOW_ANY);
    }

    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: apis}
            spec:
              hosts: ["*.api.example.test", proxy.corp.test]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 3128, name: tcp-proxy, protocol: TCP}
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: apis}
            spec:
              host: "*.api.example.test"
              trafficPolicy:
                connectionPool: {tcp: {maxConnections: 10}}
                loadBalancer: {simple: RANDOM}
                portLevelSettings:
                - port: {number: 80}
                  connectionPool: {tcp: {maxConnections: 2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: proxy}
            spec:
              host: proxy.corp.test
              trafficPolicy:
                tunnel: {targetHost: api.example.com, targetPort: 443}
            """;

    @Test
    void portLevelSettingsComeFirstAndLimitsCountPerHostUnderAWildcardRule() {
        EgressPolicy p = compile(CONFIG);
        UpstreamSettings a = p.upstreamSettings(p.decideHost("a.api.example.test", 80)).orElseThrow();
        assertThat(a.destination()).isEqualTo("a.api.example.test:80");
        assertThat(a.rule().name()).isEqualTo("apis");
        assertThat(a.pool().orElseThrow().maxConnections()).hasValue(2);
        // Port-level settings without a balancer keep the rule's own.
        assertThat(a.loadBalancer()).contains("RANDOM");
        assertThat(a.tunnel()).isEmpty();
        assertThat(p.upstreamSettings(p.decideHost("b.api.example.test", 80)).orElseThrow().destination())
                .isEqualTo("b.api.example.test:80");
        assertThat(p.upstreamSettings(p.decideHost("a.api.example.test", 3128)).orElseThrow().pool().orElseThrow()
                .maxConnections()).hasValue(10);
    }

    @Test
    void theTunnelIsTheProxyHostsAndUndeclaredOrRefusedConnectionsHaveNone() {
        EgressPolicy p = compile(CONFIG);
        UpstreamSettings proxy = p.upstreamSettings(p.decideHost("proxy.corp.test", 3128)).orElseThrow();
        assertThat(proxy.tunnel().orElseThrow().targetHost()).isEqualTo("api.example.com");
        assertThat(proxy.tunnel().orElseThrow().targetPort()).isEqualTo(443);
        // ALLOW_ANY lets an undeclared host out, through Istio's passthrough: no rule applies.
        assertThat(p.upstreamSettings(p.decideHost("elsewhere.test", 80))).isEmpty();
        assertThat(p.upstreamSettings(Decision.deny(Reason.NO_SERVICE_ENTRY, "no"))).isEmpty();
    }

    @Test
    void withoutRulesThatTuneAnythingTheLookupIsSkipped() {
        EgressPolicy p = compile(CONFIG.substring(0, CONFIG.indexOf("---")));
        assertThat(p.upstreamSettings(p.decideHost("a.api.example.test", 80))).isEmpty();
    }

    private static final String GATEWAY = "istio-egressgateway.istio-system.svc.cluster.local";

    /** Task 08's mesh route, with pool settings on the external host (which a routed sidecar does not use) and on the gateway. */
    private static final String MESH_ROUTE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: cnn}
            spec:
              hosts: [edition.cnn.example.test]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: cnn}
            spec:
              host: edition.cnn.example.test
              trafficPolicy:
                connectionPool: {tcp: {maxConnections: 7}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: egressgateway-for-cnn}
            spec:
              host: %1$s
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                connectionPool: {tcp: {maxConnections: 10}}
              subsets:
              - name: cnn
                trafficPolicy:
                  portLevelSettings:
                  - port: {number: 443}
                    connectionPool: {tcp: {maxConnections: 1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: direct-cnn-through-egress-gateway}
            spec:
              hosts: [edition.cnn.example.test]
              gateways: [mesh]
              tls:
              - match: [{port: 443, sniHosts: [edition.cnn.example.test]}]
                route:
                - destination: {host: %1$s, subset: cnn, port: {number: 443}}
            """.formatted(GATEWAY);

    private static Verdict.Forward captured(EgressPolicy p, String sni) throws Exception {
        Verdict v = Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 443)
                .originalDestination(new java.net.InetSocketAddress(java.net.InetAddress.getByName("203.0.113.7"), 443))
                .sni(sni).build());
        assertThat(v).isInstanceOf(Verdict.Forward.class);
        return (Verdict.Forward) v;
    }

    @Test
    void aSidecarsMeshRouteTakesTheRoutedHostsSubsetBeforeItsRuleAndNotTheExternalHostsRule() throws Exception {
        Verdict.Forward f = captured(compile(MESH_ROUTE), "edition.cnn.example.test");
        assertThat(f.viaGateway()).isTrue();
        assertThat(f.routedTo().orElseThrow().cluster()).isEqualTo("outbound|443|cnn|" + GATEWAY);
        UpstreamSettings s = f.upstreamSettings().orElseThrow();
        assertThat(s.rule().name()).isEqualTo("egressgateway-for-cnn");
        assertThat(s.destination()).isEqualTo(GATEWAY + ":443 subset cnn");
        // The subset's port-level pool, the rule's own balancer (the subset sets none).
        assertThat(s.pool().orElseThrow().maxConnections()).hasValue(1);
        assertThat(s.loadBalancer()).contains("ROUND_ROBIN");
    }

    @Test
    void aConnectionKeepsTheSettingsOfTheSnapshotThatAdmittedIt() throws Exception {
        EgressPolicy before = compile(MESH_ROUTE);
        Verdict.Forward admitted = captured(before, "edition.cnn.example.test");
        // A new configuration with another limit, applied before the connect: new connections get it, this one not.
        EgressPolicy after = compile(MESH_ROUTE.replace("{maxConnections: 1}", "{maxConnections: 50}"));
        assertThat(captured(after, "edition.cnn.example.test").upstreamSettings().orElseThrow().pool().orElseThrow()
                .maxConnections()).hasValue(50);
        assertThat(admitted.upstreamSettings().orElseThrow().pool().orElseThrow().maxConnections()).hasValue(1);
        // A reroute (--on-mismatch reroute) keeps them too.
        assertThat(admitted.withTarget(UpstreamTarget.ofName("elsewhere.test", 443)).upstreamSettings())
                .isEqualTo(admitted.upstreamSettings());
    }

    @Test
    void aSidecarSendingStraightOutToStaticEndpointsGetsTheEntryHostsBalancerAndOutlierDetection() throws Exception {
        EgressPolicy p = compile("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: redis}
                spec:
                  hosts: [redis.example.test]
                  addresses: [198.51.100.10]
                  ports: [{number: 6379, name: tcp-redis, protocol: TCP}]
                  resolution: STATIC
                  endpoints: [{address: 198.51.100.11}, {address: 198.51.100.12}, {address: 198.51.100.13}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: redis}
                spec:
                  host: redis.example.test
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                    outlierDetection: {consecutiveGatewayErrors: 2, baseEjectionTime: 10s}
                """);
        Verdict v = Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 6379)
                .originalDestination(new java.net.InetSocketAddress(java.net.InetAddress.getByName("198.51.100.10"), 6379))
                .build());
        assertThat(v).isInstanceOf(Verdict.Forward.class);
        Verdict.Forward f = (Verdict.Forward) v;
        assertThat(f.viaGateway()).isFalse();
        assertThat(f.routedTo()).isEmpty();
        assertThat(f.target().candidates()).hasSize(3);
        UpstreamSettings s = f.upstreamSettings().orElseThrow();
        assertThat(s.destination()).isEqualTo("redis.example.test:6379");
        assertThat(s.loadBalancer()).contains("ROUND_ROBIN");
        assertThat(s.outlierDetection().orElseThrow().consecutiveGatewayErrors()).hasValue(2);
    }
}
