package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.RedisServerProcess;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespace scoping over real mutual TLS: two workloads from different namespaces call the egress
 * gateway with their mesh certificates (redis-cli with a client certificate, as a sidecar's hop
 * is), and get different answers. The ServiceEntry is exported to its own namespace only; a
 * Sidecar resource then opens {@code ALLOW_ANY} for the other namespace, and another narrows the
 * first namespace's imports to nothing it needs.
 */
class NamespaceScopeEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static Path gatewayCerts;
    static Path teamA;
    static Path teamB;

    @BeforeAll
    static void certificates() {
        Cli.requireCommand("redis-cli");
        MeshCerts mesh = MeshCerts.create(tmp.resolve("mesh"));
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        teamA = mesh.issue("team-a", "orders");
        teamB = mesh.issue("team-b", "reports");
    }

    /** The workshop's Redis through the gateway, with the entry in team-a and exported to team-a only. */
    private static String config(int gatewayPort, int redisPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: redis, namespace: team-a}
                spec:
                  hosts: [redis.domain]
                  addresses: [127.0.0.1]
                  ports: [{number: %2$d, name: tcp-redis, protocol: TCP}]
                  location: MESH_EXTERNAL
                  exportTo: [.]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: istio-egressgateway, namespace: istio-system}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tls-redis, protocol: TLS}
                    hosts: [redis.domain]
                    tls: {mode: ISTIO_MUTUAL}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: redis-through-egress-gateway, namespace: istio-system}
                spec:
                  hosts: [redis.domain]
                  gateways: [istio-egressgateway]
                  tcp:
                  - match: [{port: %1$d}]
                    route: [{destination: {host: redis.domain, port: {number: %2$d}}}]
                """.formatted(gatewayPort, redisPort);
    }

    private static Cli.Result ping(int port, Path certs) {
        return Cli.run(TIMEOUT, "redis-cli", "--tls", "--sni", "redis.domain",
                "--cacert", gatewayCerts.resolve("root-cert.pem").toString(),
                "--cert", certs.resolve("cert-chain.pem").toString(), "--key", certs.resolve("key.pem").toString(),
                "-h", "127.0.0.1", "-p", String.valueOf(port), "PING");
    }

    @Test
    void twoNamespacesGetDifferentAnswersAndSidecarsChangeThem() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), MeshOptions.gateway(gatewayCerts),
                     "redis.domain")) {
            int port = g.applyOnFreePort("redis.yaml", p -> config(p, redis.port()));

            // team-a: its own namespace's entry.
            assertThat(ping(port, teamA).stdout().trim()).isEqualTo("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("ns/team-a/") && l.contains("decision=allowed")))
                    .contains("resource=ServiceEntry/team-a/redis");

            // team-b: the entry is not exported to it; the refusal says so.
            assertThat(ping(port, teamB).stdout()).doesNotContain("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("ns/team-b/") && l.contains("decision=denied")))
                    .contains("reason=no_service_entry", "ServiceEntry/team-a/redis declares it but is not exported to"
                            + " namespace team-b (exportTo: [.])");

            // check explains the same for either caller.
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Cli.Result checkB = cli.run("check", "--to", "redis.domain:" + redis.port(), "--from",
                    "spiffe://cluster.local/ns/team-b/sa/reports");
            assertThat(checkB.exitCode()).as(checkB.toString()).isEqualTo(1);
            assertThat(checkB.stdout()).contains("not exported to namespace team-b",
                    "nearest:  ServiceEntry/team-a/redis  declares redis.domain on port " + redis.port()
                            + ", but the caller's namespace does not see it",
                    "caller namespace: team-b (from --from)");
            Cli.Result checkA = cli.run("check", "--to", "redis.domain:" + redis.port(), "--from-namespace", "team-a");
            assertThat(checkA.exitCode()).as(checkA.toString()).isZero();

            // A Sidecar in team-b flips that namespace to ALLOW_ANY: undeclared for it, and let out.
            g.apply("team-b-sidecar.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: default, namespace: team-b}
                    spec:
                      outboundTrafficPolicy: {mode: ALLOW_ANY}
                    """);
            assertThat(ping(port, teamB).stdout().trim()).isEqualTo("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("ns/team-b/") && l.contains("reason=undeclared_allowed")))
                    .contains("decision=allowed", "upstream=127.0.0.1:" + redis.port());
            Cli.Result openB = cli.run("check", "--to", "redis.domain:" + redis.port(), "--from-namespace", "team-b");
            assertThat(openB.stdout()).as(openB.toString()).contains("undeclared, allowed by ALLOW_ANY (Sidecar/team-b/default"
                    + " for namespace team-b)", "Sidecar/team-b/default applies; outbound mode ALLOW_ANY");

            // A Sidecar in team-a that imports only istio-system's entries takes the entry away from team-a;
            // applied through the admin API, as kubectl users would.
            Path sidecar = java.nio.file.Files.writeString(tmp.resolve("team-a-sidecar.yaml"), """
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: default, namespace: team-a}
                    spec:
                      egress:
                      - hosts: [istio-system/*]
                    """);
            long before = g.gateway.generation();
            Cli.Result applied = cli.run("apply", "-f", sidecar.toString());
            assertThat(applied.stdout()).as(applied.toString()).contains("sidecar.networking.istio.io/default created");
            g.awaitGenerationAfter(before);
            assertThat(cli.run("get", "sidecars", "-n", "team-a").stdout()).contains("default");
            assertThat(ping(port, teamA).stdout()).doesNotContain("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("ns/team-a/") && l.contains("decision=denied")))
                    .contains("reason=no_service_entry", "not imported by Sidecar/team-a/default");
            // team-b is untouched by team-a's Sidecar.
            assertThat(ping(port, teamB).stdout().trim()).isEqualTo("PONG");
        }
    }
}
