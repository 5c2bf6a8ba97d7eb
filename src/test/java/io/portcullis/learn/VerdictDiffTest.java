package io.portcullis.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ResourceId;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.Destination;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replaying recorded connections under two configurations, with the listeners' own lookups. */
class VerdictDiffTest {
    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");
    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    private static final String ROGUE = "spiffe://cluster.local/ns/rogue/sa/miner";

    private static final String API = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: api}
            spec:
              hosts: [api.example.com]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            ---
            """;
    private static final String REDIS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: redis}
            spec:
              hosts: [redis.internal]
              addresses: [10.1.2.3/32]
              ports: [{number: 6379, name: tcp, protocol: TCP}]
              resolution: NONE
            ---
            """;
    private static final String PASSTHROUGH = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              servers:
              - port: {number: 8443, name: tls, protocol: TLS}
                hosts: ["*.example.com"]
                tls: {mode: PASSTHROUGH}
            ---
            """;
    private static final String ONLY_SLEEP = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: only-sleep, namespace: istio-system}
            spec:
              action: ALLOW
              rules:
              - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
            ---
            """;

    private static EgressPolicy policy(OutboundPolicy mode, String yaml) {
        LoadResult r = FolderLoader.fromFiles(Map.of("c.yaml", yaml.isEmpty() ? "" : yaml));
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), mode);
    }

    private static Observation seen(String listener, String requested, String sni, String local, String principal,
                                    Reason reason) {
        return Observation.of(new ConnectionRecord(T0, 3, listener, "10.0.0.7:40000", local, "CONNECT", "-",
                "HTTP/1.1", 200, "-", "-", "-", requested, sni == null ? "-" : sni, reason, "-", (ResourceId) null,
                new Destination("x", false, 0, "-"), "-", "-", 1, 1, 1, principal == null ? "-" : principal, requested,
                "-")).orElseThrow();
    }

    @Test
    void leavingAllowAnyCutsWhatTheFilesDoNotDeclare() {
        List<Observation> recent = List.of(
                seen("proxy_3128", "api.example.com:443", null, "10.0.0.5:3128", null, Reason.UNDECLARED_ALLOWED),
                seen("proxy_3128", "api.example.com:443", null, "10.0.0.5:3128", null, Reason.UNDECLARED_ALLOWED),
                seen("proxy_3128", "10.1.2.3:6379", null, "10.0.0.5:3128", null, Reason.UNDECLARED_ALLOWED),
                seen("proxy_3128", "other.example.org:443", null, "10.0.0.5:3128", null, Reason.UNDECLARED_ALLOWED));
        EgressPolicy now = policy(OutboundPolicy.ALLOW_ANY, "");
        VerdictDiff.Result r = VerdictDiff.compare(recent, now, policy(OutboundPolicy.REGISTRY_ONLY, API + REDIS));
        assertThat(r.replayed()).isEqualTo(4);
        assertThat(r.changes()).singleElement().satisfies(c -> {
            assertThat(c.destination()).isEqualTo("other.example.org");
            assertThat(c.isCut()).isTrue();
            assertThat(c.reasonAfter()).isEqualTo("no_service_entry");
            assertThat(c.messageAfter()).isEqualTo("no ServiceEntry allows other.example.org:443");
        });
        assertThat(VerdictDiff.compare(recent, now, policy(OutboundPolicy.REGISTRY_ONLY, API)).changes())
                .extracting(VerdictDiff.Change::destination, VerdictDiff.Change::connections)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("10.1.2.3", 1),
                        org.assertj.core.groups.Tuple.tuple("other.example.org", 1));
    }

    @Test
    void anAllowPolicyCutsTheCallersItDoesNotName() {
        List<Observation> recent = List.of(
                seen("tls_8443", "api.example.com:8443", "api.example.com", "127.0.0.1:8443", SLEEP, Reason.DECLARED),
                seen("tls_8443", "api.example.com:8443", "api.example.com", "127.0.0.1:8443", ROGUE, Reason.DECLARED));
        EgressPolicy now = policy(OutboundPolicy.REGISTRY_ONLY, API + PASSTHROUGH);
        VerdictDiff.Result r = VerdictDiff.compare(recent, now,
                policy(OutboundPolicy.REGISTRY_ONLY, API + PASSTHROUGH + ONLY_SLEEP));
        assertThat(r.cuts()).isEqualTo(1);
        assertThat(r.changes()).singleElement().satisfies(c -> {
            assertThat(c.caller()).isEqualTo(ROGUE);
            assertThat(c.reasonBefore()).isEqualTo("declared");
            assertThat(c.reasonAfter()).isEqualTo("authz_denied");
        });
    }

    @Test
    void aListenerTheCandidateNoLongerOpensRefusesItsConnections() {
        List<Observation> recent = List.of(
                seen("tls_8443", "api.example.com:8443", "api.example.com", "127.0.0.1:8443", null, Reason.DECLARED));
        VerdictDiff.Result r = VerdictDiff.compare(recent, policy(OutboundPolicy.REGISTRY_ONLY, API + PASSTHROUGH),
                policy(OutboundPolicy.REGISTRY_ONLY, API));
        assertThat(r.changes()).singleElement().satisfies(c -> {
            assertThat(c.isCut()).isTrue();
            assertThat(c.reasonAfter()).isEqualTo("no_route");
        });
    }

    @Test
    void aCapturedConnectionIsDecidedByItsOriginalDestination() {
        Observation captured = Observation.of(new ConnectionRecord(T0, 3, "capture_15001", "10.0.0.7:40000",
                "10.1.2.3:6379", "-", "-", "-", 0, "-", "-", "-", "-", "-", Reason.UNDECLARED_ALLOWED, "-",
                (ResourceId) null, new Destination("10.1.2.3", false, 6379, Destination.PASSTHROUGH), "10.1.2.3:6379",
                "-", 1, 1, 0, "-", "10.1.2.3:6379", "10.1.2.3:6379")).orElseThrow();
        assertThat(captured.host()).isNull();
        assertThat(captured.address()).isEqualTo("10.1.2.3");
        EgressPolicy now = policy(OutboundPolicy.ALLOW_ANY, "");
        assertThat(VerdictDiff.compare(List.of(captured), now, policy(OutboundPolicy.REGISTRY_ONLY, REDIS)).changes())
                .isEmpty();
        assertThat(VerdictDiff.compare(List.of(captured), now, policy(OutboundPolicy.REGISTRY_ONLY, API)).cuts())
                .isEqualTo(1);
    }

    @Test
    void declaringWhatWasRefusedOpensIt() {
        List<Observation> recent = List.of(
                seen("proxy_3128", "api.example.com:443", null, "10.0.0.5:3128", null, Reason.NO_SERVICE_ENTRY));
        VerdictDiff.Result r = VerdictDiff.compare(recent, policy(OutboundPolicy.REGISTRY_ONLY, ""),
                policy(OutboundPolicy.REGISTRY_ONLY, API));
        assertThat(r.cuts()).isZero();
        assertThat(r.changes()).singleElement().satisfies(c -> assertThat(c.allowedAfter()).isTrue());
    }

    /** The explicit proxy authorizes a CONNECT as an HTTP request, method CONNECT: diff replays it so. */
    @Test
    void aConnectIsReplayedAsTheHttpRequestItWas() {
        List<Observation> recent = List.of(
                seen("proxy_3128", "api.example.com:443", null, "10.0.0.5:3128", null, Reason.DECLARED));
        EgressPolicy now = policy(OutboundPolicy.REGISTRY_ONLY, API);
        String denyPost = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: no-posts, namespace: istio-system}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {methods: [POST]}}]}]
                ---
                """;
        assertThat(VerdictDiff.compare(recent, now, policy(OutboundPolicy.REGISTRY_ONLY, API + denyPost)).changes())
                .as("a CONNECT is not a POST").isEmpty();
        String connectOnly = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: tunnels-only, namespace: istio-system}
                spec:
                  rules: [{to: [{operation: {methods: [CONNECT]}}]}]
                ---
                """;
        assertThat(VerdictDiff.compare(recent, now, policy(OutboundPolicy.REGISTRY_ONLY, API + connectOnly)).changes())
                .isEmpty();
    }
}
