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
}
