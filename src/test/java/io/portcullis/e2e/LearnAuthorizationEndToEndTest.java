package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.LeakCheckExtension;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.RedisServerProcess;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learning from AuthorizationPolicy refusals, with redis-cli over mutual TLS as two workloads: the
 * one an ALLOW policy does not name is refused; {@code suggest} proposes an ALLOW policy for
 * exactly the host and port it used (no ServiceEntry: the destination is declared); {@code diff}
 * says it opens that caller and cuts nothing; applied, the workload gets PONG.
 */
@ExtendWith(LeakCheckExtension.class)
class LearnAuthorizationEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String MINER = "spiffe://cluster.local/ns/rogue/sa/miner";

    @TempDir
    static Path tmp;
    static Path gatewayCerts;
    static Path sleepCerts;
    static Path minerCerts;

    @BeforeAll
    static void certificates() {
        Cli.requireCommand("redis-cli");
        MeshCerts mesh = MeshCerts.create(tmp);
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        sleepCerts = mesh.issue("default", "sleep");
        minerCerts = mesh.issue("rogue", "miner");
    }

    private static Cli.Result redisCliAs(Path certs, int port) {
        return Cli.run(TIMEOUT, "redis-cli", "--tls", "--sni", "redis.domain", "--cacert",
                certs.resolve("root-cert.pem").toString(), "--cert", certs.resolve("cert-chain.pem").toString(),
                "--key", certs.resolve("key.pem").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "PING");
    }

    @Test
    void aRefusedCallerGetsAnAllowPolicyForExactlyWhatItUsed() throws Exception {
        int gatewayPort = FreePorts.pick();
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), MeshOptions.gateway(gatewayCerts))) {
            g.apply("redis.yaml", MutualTlsGatewayEndToEndTest.redisViaMutualTls(gatewayPort, redis.port(),
                    "{mode: ISTIO_MUTUAL}"));
            g.apply("authz.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: redis-for-sleep, namespace: istio-system}
                    spec:
                      action: ALLOW
                      rules:
                      - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                    """);
            assertThat(redisCliAs(sleepCerts, gatewayPort).stdout().trim()).isEqualTo("PONG");
            assertThat(redisCliAs(minerCerts, gatewayPort).stdout()).doesNotContain("PONG");
            await().atMost(Duration.ofSeconds(30)).until(() -> g.gateway.learner().candidates().size() == 1);

            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Cli.Result suggested = cli.run("suggest", "--for", "rogue");
            assertThat(suggested.exitCode()).as(suggested.toString()).isZero();
            String yaml = suggested.stdout();
            assertThat(yaml).contains("kind: AuthorizationPolicy", "name: \"allow-rogue-miner\"",
                    "principals: [\"cluster.local/ns/rogue/sa/miner\"]", "hosts: [\"redis.domain\"]",
                    "ports: [\"" + gatewayPort + "\"]", "connection(s) from " + MINER)
                    .doesNotContain("kind: ServiceEntry", "sa/sleep");
            assertThat(cli.run("suggest", "--for", "default").stdout()).doesNotContain("kind: AuthorizationPolicy");
            Path file = tmp.resolve("miner.yaml");
            Files.writeString(file, yaml);
            assertThat(cli.run("validate", "-f", file.toString()).exitCode()).isZero();

            Cli.Result diff = cli.run("diff", "-f", file.toString());
            assertThat(diff.exitCode()).as(diff.toString()).isZero();
            assertThat(diff.stdout()).contains("0 change(s) would cut traffic, 1 would open it",
                    "+ OPEN  redis.domain:" + gatewayPort + "  from " + MINER,
                    "denied (authz_denied) -> allowed (declared)");

            assertThat(cli.run("apply", "--refuse-cuts", "-f", file.toString()).exitCode()).isZero();
            assertThat(redisCliAs(minerCerts, gatewayPort).stdout().trim()).isEqualTo("PONG");
            assertThat(redisCliAs(sleepCerts, gatewayPort).stdout().trim()).isEqualTo("PONG");
        }
    }
}
