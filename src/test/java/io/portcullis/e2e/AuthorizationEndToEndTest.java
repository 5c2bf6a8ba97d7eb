package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.RedisServerProcess;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AuthorizationPolicy at the gateway, with real clients: two workloads with certificates from the
 * same mesh CA ask for the same host; only the one the policy names gets through, and the refusal
 * names the policy and rule. Also at the explicit proxy, by source address.
 */
class AuthorizationEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

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

    private static Cli.Result redisCliAs(Path certs, int port, String... command) {
        String[] base = {"redis-cli", "--tls", "--sni", "redis.domain", "--cacert", certs.resolve("root-cert.pem").toString(),
                "--cert", certs.resolve("cert-chain.pem").toString(), "--key", certs.resolve("key.pem").toString(),
                "-h", "127.0.0.1", "-p", String.valueOf(port)};
        String[] argv = new String[base.length + command.length];
        System.arraycopy(base, 0, argv, 0, base.length);
        System.arraycopy(command, 0, argv, base.length, command.length);
        return Cli.run(TIMEOUT, argv);
    }

    @Test
    void workloadAIsAllowedAndWorkloadBIsRefusedForTheSameHost() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), MeshOptions.gateway(gatewayCerts))) {
            int gatewayPort = g.applyOnFreePort("redis.yaml", port -> MutualTlsGatewayEndToEndTest.redisViaMutualTls(
                    port, redis.port(), "{mode: ISTIO_MUTUAL}"));
            // Before any policy, both workloads get through: mTLS alone is identity, not authorization.
            assertThat(redisCliAs(minerCerts, gatewayPort, "PING").stdout().trim()).isEqualTo("PONG");

            g.apply("authz.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: redis-for-sleep, namespace: istio-system}
                    spec:
                      selector: {matchLabels: {istio: egressgateway}}
                      action: ALLOW
                      rules:
                      - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                        when: [{key: connection.sni, values: [redis.domain]}]
                    """);
            Cli.Result a = redisCliAs(sleepCerts, gatewayPort, "PING");
            assertThat(a.stdout().trim()).as(a.toString()).isEqualTo("PONG");
            Cli.Result b = redisCliAs(minerCerts, gatewayPort, "PING");
            assertThat(b.stdout()).doesNotContain("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("source_principal=spiffe://cluster.local/ns/rogue/sa/miner")
                    && l.contains("decision=denied")))
                    .contains("reason=authz_denied", "resource=AuthorizationPolicy/istio-system/redis-for-sleep",
                            "requested=redis.domain:" + gatewayPort, "upstream=-",
                            "no rule of the ALLOW policies matches cluster.local/ns/rogue/sa/miner");
            assertThat(g.scrape().sum("portcullis_denied_connections_total", "reason", "authz_denied",
                    "destination", "redis.domain")).isEqualTo(1);

            // A DENY policy wins over the ALLOW that lets sleep in.
            g.apply("deny.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: no-redis-from-default, namespace: istio-system}
                    spec:
                      action: DENY
                      rules:
                      - from: [{source: {namespaces: [default]}}]
                        to: [{operation: {ports: ["%d"]}}]
                    """.formatted(gatewayPort));
            assertThat(redisCliAs(sleepCerts, gatewayPort, "PING").stdout()).doesNotContain("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("AuthorizationPolicy/istio-system/no-redis-from-default")))
                    .contains("source_principal=spiffe://cluster.local/ns/default/sa/sleep",
                            "message=\"denied by AuthorizationPolicy/istio-system/no-redis-from-default rules[0]\"");
        }
    }

    @Test
    void theExplicitProxyAnswers403WithThePolicy() throws Exception {
        try (RunningGateway g = RunningGateway.startLogfmt("api.example.test")) {
            g.apply("entry.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: api}
                    spec:
                      hosts: [api.example.test]
                      ports: [{number: 443, name: https, protocol: HTTPS}]
                      resolution: DNS
                    ---
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: no-loopback-callers, namespace: istio-system}
                    spec:
                      action: DENY
                      rules: [{from: [{source: {ipBlocks: [127.0.0.0/8]}}]}]
                    """);
            Cli.Result curl = Cli.run(TIMEOUT, "curl", "-sS", "-o", "/dev/null", "-D", "-", "-x", g.proxyUrl(),
                    "https://api.example.test/");
            assertThat(curl.stdout()).contains("403", "x-portcullis-reason: authz_denied");
            assertThat(g.awaitAccessLine(l -> l.contains("reason=authz_denied")))
                    .contains("resource=AuthorizationPolicy/istio-system/no-loopback-callers",
                            "denied by AuthorizationPolicy/istio-system/no-loopback-callers rules[0]");
            // Like every other refusal: into the black hole, under the name asked for, and counted as a denial.
            PrometheusScrape s = g.scrape();
            assertThat(s.sum("portcullis_denied_connections_total", "reason", "authz_denied",
                    "destination", "api.example.test")).isEqualTo(1);
            assertThat(s.sum("istio_tcp_connections_opened_total", "destination_service", "api.example.test",
                    "destination_service_name", "BlackHoleCluster", "response_flags", "UAEX")).isEqualTo(1);
        }
    }
}
