package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Problem;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's namespace scoping, per calling namespace: {@code exportTo} on ServiceEntries, and the
 * Sidecar of the caller's namespace (else the root namespace's) for its imports and outbound mode.
 */
class NamespaceScopeTest {
    private static EgressPolicy policy(String yaml) {
        return policy(yaml, null, OutboundPolicy.REGISTRY_ONLY);
    }

    private static EgressPolicy policy(String yaml, String own, OutboundPolicy global) {
        LoadResult r = FolderLoader.fromFiles(Map.of("test.yaml", yaml));
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), global, GatewayLabels.unset(), own);
    }

    private static String entry(String namespace, String name, String host, String exportTo) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: %s}
                spec:
                  hosts: [%s]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: NONE
                %s
                ---
                """.formatted(name, namespace, host, exportTo.isEmpty() ? "" : "  exportTo: " + exportTo);
    }

    private static String sidecar(String namespace, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: %s}
                spec:
                %s
                ---
                """.formatted(namespace, spec.indent(2));
    }

    private static boolean allows(EgressPolicy p, String host, String namespace) {
        return p.decideHost(host, 443, namespace).allowed();
    }

    @Test
    void exportToDecidesPerCallingNamespace() {
        EgressPolicy p = policy(entry("team-a", "own", "own.example.com", "[.]")
                + entry("team-a", "all", "all.example.com", "")
                + entry("team-a", "star", "star.example.com", "[\"*\"]")
                + entry("team-a", "named", "named.example.com", "[team-b, team-c]")
                + entry("team-a", "none", "none.example.com", "[\"~\"]"));
        assertThat(allows(p, "own.example.com", "team-a")).isTrue();
        assertThat(allows(p, "own.example.com", "team-b")).isFalse();
        assertThat(allows(p, "all.example.com", "team-b")).isTrue();
        assertThat(allows(p, "all.example.com", "anywhere")).isTrue();
        assertThat(allows(p, "star.example.com", "anywhere")).isTrue();
        assertThat(allows(p, "named.example.com", "team-b")).isTrue();
        assertThat(allows(p, "named.example.com", "team-c")).isTrue();
        assertThat(allows(p, "named.example.com", "team-a")).as("exported elsewhere only, not to its own").isFalse();
        assertThat(allows(p, "none.example.com", "team-a")).isFalse();
        // A caller without a namespace sees only what is exported to every namespace.
        assertThat(allows(p, "all.example.com", null)).isTrue();
        assertThat(allows(p, "own.example.com", null)).isFalse();
        assertThat(allows(p, "named.example.com", null)).isFalse();
    }

    @Test
    void aRefusalNamesTheEntryAndTheNamespaceItIsNotExportedTo() {
        EgressPolicy p = policy(entry("team-a", "api", "api.example.com", "[.]"));
        Decision d = p.decideHost("api.example.com", 443, "team-b");
        assertThat(d.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(d.message()).isEqualTo("no ServiceEntry allows api.example.com:443: ServiceEntry/team-a/api declares it"
                + " but is not exported to namespace team-b (exportTo: [.])");
        assertThat(p.decideHost("api.example.com", 443, null).message())
                .contains("is not exported to callers without a namespace");
    }

    @Test
    void aHiddenEntryLetsAVisibleOneForTheSameHostDecide() {
        EgressPolicy p = policy(entry("team-a", "private", "api.example.com", "[.]")
                + entry("shared", "public", "\"*.example.com\"", ""));
        assertThat(p.decideHost("api.example.com", 443, "team-a").resource()).hasToString("ServiceEntry/team-a/private");
        assertThat(p.decideHost("api.example.com", 443, "team-b").resource()).hasToString("ServiceEntry/shared/public");
    }

    @Test
    void callersWithoutANamespaceOfTheirOwnAreScopedToTheInstancesNamespace() {
        String yaml = entry("istio-system", "gw-only", "gw.example.com", "[.]");
        assertThat(policy(yaml, "istio-system", OutboundPolicy.REGISTRY_ONLY).decideHost("gw.example.com", 443).allowed())
                .isTrue();
        assertThat(policy(yaml, null, OutboundPolicy.REGISTRY_ONLY).decideHost("gw.example.com", 443).allowed()).isFalse();
    }

    @Test
    void aNamespacesSidecarImportsOnlyItsHosts() {
        EgressPolicy p = policy(entry("team-a", "a", "a.example.com", "")
                + entry("shared", "s1", "s1.example.com", "")
                + entry("shared", "s2", "api.googleapis.com", "")
                + entry("other", "o", "o.example.com", "")
                + sidecar("team-a", "egress: [{hosts: [./*, shared/s1.example.com, \"*/*.googleapis.com\"]}]"));
        assertThat(allows(p, "a.example.com", "team-a")).isTrue();
        assertThat(allows(p, "s1.example.com", "team-a")).isTrue();
        assertThat(allows(p, "api.googleapis.com", "team-a")).isTrue();
        assertThat(allows(p, "o.example.com", "team-a")).isFalse();
        assertThat(allows(p, "o.example.com", "team-b")).as("the Sidecar of team-a is not team-b's").isTrue();
        Decision d = p.decideHost("o.example.com", 443, "team-a");
        assertThat(d.message()).isEqualTo("no ServiceEntry allows o.example.com:443: ServiceEntry/other/o declares it but"
                + " is not imported by Sidecar/team-a/default, which applies to namespace team-a (egress[0] hosts"
                + " [./*, shared/s1.example.com, */*.googleapis.com])");
    }

    @Test
    void exclusionsWinOverImports() {
        EgressPolicy p = policy(entry("shared", "s1", "s1.example.com", "")
                + entry("shared", "s2", "s2.example.com", "")
                + entry("other", "s3", "s3.example.com", "")
                + sidecar("team-a", "egress: [{hosts: [\"*/*\", ~shared/s2.example.com]}]")
                + sidecar("team-b", "egress: [{hosts: [\"~/*\"]}]"));
        assertThat(allows(p, "s1.example.com", "team-a")).isTrue();
        assertThat(allows(p, "s2.example.com", "team-a")).isFalse();
        assertThat(allows(p, "s3.example.com", "team-a")).isTrue();
        assertThat(allows(p, "s1.example.com", "team-b")).as("~/* imports nothing").isFalse();
    }

    @Test
    void aListenerWithAPortImportsOnThatPortOnly() {
        String twoPorts = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: shared}
                spec:
                  hosts: [api.example.com]
                  ports: [{number: 443, name: tls, protocol: TLS}, {number: 8443, name: tls-alt, protocol: TLS}]
                  resolution: DNS
                ---
                """;
        EgressPolicy p = policy(twoPorts + entry("shared", "other", "other.example.com", "")
                + sidecar("team-a", """
                        egress:
                        - port: {number: 8443, protocol: TLS, name: tls-alt}
                          hosts: [shared/api.example.com]
                        - hosts: [shared/other.example.com]"""));
        assertThat(p.decideHost("api.example.com", 8443, "team-a").allowed()).isTrue();
        assertThat(p.decideHost("api.example.com", 443, "team-a").allowed()).as("443: the catch-all listener decides")
                .isFalse();
        assertThat(p.decideHost("other.example.com", 443, "team-a").allowed()).isTrue();
    }

    @Test
    void theRootNamespacesSidecarIsTheDefaultForNamespacesWithoutOne() {
        EgressPolicy p = policy(entry("team-a", "a", "a.example.com", "")
                + entry("team-b", "b", "b.example.com", "")
                + sidecar("istio-system", "egress: [{hosts: [./*, istio-system/*]}]")
                + sidecar("team-b", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}"));
        assertThat(allows(p, "a.example.com", "team-a")).as("\".\" is the caller's namespace").isTrue();
        assertThat(allows(p, "b.example.com", "team-a")).isFalse();
        assertThat(allows(p, "a.example.com", "team-b")).as("team-b's own Sidecar replaces the root one").isTrue();
        assertThat(p.sidecarFor("team-a")).hasValueSatisfying(id -> assertThat(id).hasToString("Sidecar/istio-system/default"));
        assertThat(p.sidecarFor("team-b")).hasValueSatisfying(id -> assertThat(id).hasToString("Sidecar/team-b/default"));
    }

    @Test
    void theOutboundModeIsPerNamespace() {
        EgressPolicy p = policy(sidecar("team-a", "outboundTrafficPolicy: {mode: ALLOW_ANY}"));
        Decision a = p.decideHost("undeclared.example.com", 443, "team-a");
        assertThat(a.reason()).isEqualTo(Reason.UNDECLARED_ALLOWED);
        assertThat(a.message()).contains("Sidecar/team-a/default", "namespace team-a");
        assertThat(p.decideHost("undeclared.example.com", 443, "team-b").reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(p.namespaces().outboundFor("team-a")).isEqualTo(OutboundPolicy.ALLOW_ANY);

        EgressPolicy open = policy(sidecar("team-a", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}"), null,
                OutboundPolicy.ALLOW_ANY);
        assertThat(open.decideHost("undeclared.example.com", 443, "team-a").reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(open.decideHost("undeclared.example.com", 443, "team-b").reason()).isEqualTo(Reason.UNDECLARED_ALLOWED);

        EgressPolicy root = policy(sidecar("istio-system", "outboundTrafficPolicy: {mode: ALLOW_ANY}"));
        assertThat(root.decideHost("undeclared.example.com", 443, "anywhere").allowed()).isTrue();
        assertThat(root.decideHost("undeclared.example.com", 443, null).allowed()).isTrue();
    }

    @Test
    void aSidecarWithAWorkloadSelectorIsNotAppliedAndASecondOneIsReported() {
        EgressPolicy p = policy(entry("team-a", "a", "a.example.com", "") + """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: orders-only, namespace: team-a}
                spec:
                  workloadSelector: {labels: {app: orders}}
                  egress: [{hosts: [istio-system/*]}]
                ---
                """ + sidecar("team-b", "outboundTrafficPolicy: {mode: ALLOW_ANY}") + """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: second, namespace: team-b}
                spec:
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);
        assertThat(allows(p, "a.example.com", "team-a")).isTrue();
        assertThat(p.namespaces().outboundFor("team-b")).isEqualTo(OutboundPolicy.ALLOW_ANY);
        assertThat(p.notes()).extracting(Problem::toString).anySatisfy(n -> assertThat(n)
                .contains("Sidecar/team-b/second", "not applied: Sidecar/team-b/default already applies"));
    }

    @Test
    void addressesAreScopedLikeHosts() throws Exception {
        EgressPolicy p = policy("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db, namespace: data}
                spec:
                  hosts: [db.internal.example]
                  addresses: [192.0.2.10]
                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                  resolution: STATIC
                  endpoints: [{address: 192.0.2.10}]
                  exportTo: [., billing]
                """);
        InetAddress ip = InetAddress.getByName("192.0.2.10");
        assertThat(p.decideAddress(ip, 5432, "billing").allowed()).isTrue();
        assertThat(p.decideAddress(ip, 5432, "data").allowed()).isTrue();
        Decision web = p.decideAddress(ip, 5432, "web");
        assertThat(web.allowed()).isFalse();
        assertThat(web.message()).contains("ServiceEntry/data/db declares it but is not exported to namespace web");
    }

    @Test
    void checkTakesTheNamespaceFromTheCallersPrincipalOrAsGiven() {
        EgressPolicy p = policy(entry("team-a", "api", "api.example.com", "[.]"), "istio-system",
                OutboundPolicy.REGISTRY_ONLY);
        Explanation fromA = p.explain(new CheckQuery("api.example.com", 443, null, "spiffe://cluster.local/ns/team-a/sa/app"));
        assertThat(fromA.decision().allowed()).isTrue();
        assertThat(fromA.callerNamespace()).isEqualTo("team-a");
        assertThat(fromA.notes()).anySatisfy(n -> assertThat(n).startsWith("caller namespace: team-a (from --from)"));
        Explanation fromB = p.explain(new CheckQuery("api.example.com", 443, null, null, "team-b", null, null));
        assertThat(fromB.decision().allowed()).isFalse();
        assertThat(fromB.decision().message()).contains("not exported to namespace team-b");
        Explanation anonymous = p.explain(new CheckQuery("api.example.com", 443, null, null));
        assertThat(anonymous.callerNamespace()).isEqualTo("istio-system");
        assertThat(anonymous.notes()).anySatisfy(n -> assertThat(n).contains("istio-system", "the gateway's own"));
    }

    @Test
    void theSidecarRoleScopesItsAppToItsOwnNamespace() throws Exception {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: redis, namespace: team-a}
                spec:
                  hosts: [redis.domain]
                  addresses: [192.0.2.40]
                  ports: [{number: 6379, name: tcp-redis, protocol: TCP}]
                  exportTo: [.]
                ---
                """ + sidecar("team-b", "outboundTrafficPolicy: {mode: ALLOW_ANY}")
                + sidecar("team-c", "egress: [{hosts: [istio-system/*]}]");
        InetAddress redis = InetAddress.getByName("192.0.2.40");
        assertThat(policy(yaml, "team-a", OutboundPolicy.REGISTRY_ONLY).sidecar().decide(redis, 6379, null, false)
                .reason()).isEqualTo(Reason.DECLARED);
        SidecarDecision other = policy(yaml, "other", OutboundPolicy.REGISTRY_ONLY).sidecar()
                .decide(redis, 6379, null, false);
        assertThat(other.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
        assertThat(other.message()).isEqualTo("no ServiceEntry allows 192.0.2.40:6379: ServiceEntry/team-a/redis"
                + " declares it but is not exported to namespace other (exportTo: [.])");
        assertThat(policy(yaml, "team-b", OutboundPolicy.REGISTRY_ONLY).sidecar().decide(redis, 6379, null, false)
                .reason()).as("team-b's Sidecar: ALLOW_ANY").isEqualTo(Reason.UNDECLARED_ALLOWED);
        assertThat(policy(yaml, null, OutboundPolicy.REGISTRY_ONLY).sidecar().decide(redis, 6379, null, false)
                .allowed()).as("a sidecar without an identity").isFalse();
    }

    @Test
    void diffReplaysAMutualTlsConnectionInItsCallersNamespace() throws Exception {
        String yaml = entry("team-a", "api", "api.example.com", "[.]") + """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress, namespace: istio-system}
                spec:
                  servers:
                  - port: {number: 443, name: tls, protocol: TLS}
                    hosts: ["*"]
                    tls: {mode: ISTIO_MUTUAL}
                """;
        EgressPolicy p = policy(yaml, "istio-system", OutboundPolicy.REGISTRY_ONLY);
        InetAddress local = InetAddress.getByName("127.0.0.1");
        ReplayQuery fromA = new ReplayQuery("tls_443", null, null, 443, "api.example.com",
                "spiffe://cluster.local/ns/team-a/sa/app", null, local, 443);
        ReplayQuery fromB = new ReplayQuery("tls_443", null, null, 443, "api.example.com",
                "spiffe://cluster.local/ns/team-b/sa/app", null, local, 443);
        assertThat(ConnectionReplay.decide(p, fromA).allowed()).isTrue();
        assertThat(ConnectionReplay.decide(p, fromB).message()).contains("not exported to namespace team-b");
    }

    @Test
    void routesApplyWhereTheirVirtualServiceIsExported() throws Exception {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: redis, namespace: default}
                spec:
                  hosts: [redis.domain]
                  addresses: [192.0.2.40]
                  ports: [{number: 6379, name: tcp-redis, protocol: TCP}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: redis-via-gateway, namespace: team-a}
                spec:
                  hosts: [redis.domain]
                  exportTo: [.]
                  tcp:
                  - match: [{port: 6379}]
                    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}}]
                """;
        InetAddress redis = InetAddress.getByName("192.0.2.40");
        assertThat(policy(yaml, "team-a", OutboundPolicy.REGISTRY_ONLY).sidecar().decide(redis, 6379, null, false)
                .viaGateway()).as("team-a's sidecar applies its namespace's route").isTrue();
        SidecarDecision teamB = policy(yaml, "team-b", OutboundPolicy.REGISTRY_ONLY).sidecar().decide(redis, 6379, null, false);
        assertThat(teamB.allowed()).isTrue();
        assertThat(teamB.viaGateway()).as("the route is not exported to team-b: straight out").isFalse();
    }

    /**
     * A configuration with many namespaces: one index per named namespace. Prints what compiling and
     * deciding cost against the same entries without exportTo (never asserted: the machine is
     * shared), and checks the answers at that size.
     */
    @Test
    void manyNamespacesCompileOnceAndDecideByOneLookup() {
        measure(false);
        EgressPolicy p = measure(true);
        assertThat(p.decideHost("h0.ns-7.example.com", 443, "ns-7").allowed()).isTrue();
        assertThat(p.decideHost("h0.ns-7.example.com", 443, "ns-8").allowed()).isFalse();
        assertThat(p.decideHost("h1.ns-7.example.com", 443, "ns-8").allowed()).isTrue();
        assertThat(p.decideHost("h1.ns-7.example.com", 443, "elsewhere").allowed()).isTrue();
    }

    private static EgressPolicy measure(boolean scoped) {
        StringBuilder yaml = new StringBuilder();
        int namespaces = 100;
        int perNamespace = 50;
        for (int n = 0; n < namespaces; n++) {
            for (int e = 0; e < perNamespace; e++) {
                yaml.append(entry("ns-" + n, "e" + e, "h" + e + ".ns-" + n + ".example.com",
                        scoped && e % 2 == 0 ? "[.]" : ""));
            }
        }
        LoadResult r = FolderLoader.fromFiles(Map.of("big.yaml", yaml.toString()));
        assertThat(r.errors()).isEmpty();
        EgressPolicy p = null;
        long compiled = 0;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            p = EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY, GatewayLabels.unset(), null);
            compiled = System.nanoTime() - start;
        }
        String[] hosts = new String[namespaces * perNamespace];
        String[] callers = new String[hosts.length];
        for (int i = 0; i < hosts.length; i++) {
            hosts[i] = "h" + (i % perNamespace) + ".ns-" + (i % namespaces) + ".example.com";
            callers[i] = "ns-" + ((i * 7) % namespaces);
        }
        int lookups = 500_000;
        int allowed = 0;
        long decided = 0;
        for (int round = 0; round < 2; round++) {
            allowed = 0;
            long start = System.nanoTime();
            for (int i = 0; i < lookups; i++) {
                allowed += p.decideHost(hosts[i % hosts.length], 443, callers[i % hosts.length]).allowed() ? 1 : 0;
            }
            decided = System.nanoTime() - start;
        }
        System.out.printf("MEASURE %d ServiceEntries in %d namespaces (%s): compiled in %d ms (third run);"
                + " %d decisions in %d ms (%.2f us each, %d allowed)%n", namespaces * perNamespace, namespaces,
                scoped ? "half exportTo: [.]" : "no exportTo", compiled / 1_000_000, lookups, decided / 1_000_000,
                decided / 1000.0 / lookups, allowed);
        return p;
    }
}
