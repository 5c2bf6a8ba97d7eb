package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** VirtualService tls and tcp routes with several destinations share connections by weight. */
class WeightedL4RoutesTest {

    private static final String ENTRIES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: a}
            spec:
              hosts: [a.example.test]
              ports: [{number: 443, name: tls, protocol: TLS}, {number: 27017, name: mongo, protocol: MONGO}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: b}
            spec:
              hosts: [b.example.test]
              ports: [{number: 443, name: tls, protocol: TLS}, {number: 27018, name: mongo, protocol: MONGO}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 8443, name: tls, protocol: TLS}
                hosts: [a.example.test]
                tls: {mode: PASSTHROUGH}
              - port: {number: 7017, name: mongo, protocol: MONGO}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: split}
            spec:
              hosts: [a.example.test]
              gateways: [egress]
              tls:
              - match: [{port: 8443, sniHosts: [a.example.test]}]
                route:
                - {destination: {host: a.example.test, port: {number: 443}}, weight: 75}
                - {destination: {host: b.example.test, port: {number: 443}}, weight: 25}
              tcp:
              - match: [{port: 7017}]
                route:
                - {destination: {host: a.example.test, port: {number: 27017}}, weight: 10}
                - {destination: {host: b.example.test, port: {number: 27018}}, weight: 90}
            """;

    private static EgressPolicy compile() {
        LoadResult result = FolderLoader.fromFiles(Map.of("config.yaml", ENTRIES));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static Map<String, Integer> count(Supplier<Decision> decide) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            Decision d = decide.get();
            assertThat(d.allowed()).as(d.message()).isTrue();
            counts.merge(d.resource().name(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void tlsRoutesPickDestinationsByWeight() {
        EgressPolicy p = compile();
        Map<String, Integer> counts = count(() -> p.decideSni(p.listener(8443), "a.example.test", null));
        // 10,000 draws: a standard deviation near 43, so the bounds are about 9 sigma wide.
        assertThat(counts.get("a")).isBetween(7_100, 7_900);
        assertThat(counts.get("b")).isBetween(2_100, 2_900);
    }

    @Test
    void tcpRoutesPickDestinationsByWeight() {
        EgressPolicy p = compile();
        Map<String, Integer> counts = count(() -> p.decideTcp(p.listener(7017), null));
        assertThat(counts.get("a")).isBetween(700, 1_300);
        assertThat(counts.get("b")).isBetween(8_700, 9_300);
    }
}
