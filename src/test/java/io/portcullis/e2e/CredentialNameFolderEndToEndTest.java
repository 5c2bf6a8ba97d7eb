package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.ssl.ClientAuth;
import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.RedisServerProcess;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code credentialName} in folder mode: the Secret manifests sit in the folder beside the Istio
 * resources, as {@code kubectl get secret -o yaml} prints them. A DestinationRule originates mutual
 * TLS with the client certificate of one; a MUTUAL Gateway server presents the certificate of
 * another; rewriting a Secret file rotates the material for new connections without a restart.
 */
class CredentialNameFolderEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;

    @BeforeAll
    static void tools() {
        Cli.requireCommand("curl");
    }

    private static String pem(Path p) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readString(p).getBytes(StandardCharsets.US_ASCII));
    }

    /** A kubernetes.io/tls Secret manifest from PEM files. */
    private static String secret(String name, Path cert, Path key, Path ca) throws Exception {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %s}
                type: kubernetes.io/tls
                data:
                  tls.crt: %s
                  tls.key: %s
                  ca.crt: %s
                """.formatted(name, pem(cert), pem(key), pem(ca));
    }

    private static String curl(RunningGateway g, String url) {
        return Cli.run(TIMEOUT, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", "-x",
                g.proxyUrl(), url).stdout().trim();
    }

    @Test
    void aDestinationRuleOriginatesMutualTlsWithTheClientCertificateOfASecretInTheFolder() throws Exception {
        TestCa ca = TestCa.create("origin ca");
        Path caPem = ca.writeCaPem(tmp.resolve("origin-ca.pem"));
        TestCa.Leaf good = ca.issueClient("spiffe://t/good");
        TestCa.Leaf stranger = TestCa.create("stranger").issueClient("spiffe://t/stranger");
        try (HttpsOrigin origin = new HttpsOrigin("mutual", ca.nettyServer(ca.issueServer("mutual.example.test"))
                .clientAuth(ClientAuth.REQUIRE).build());
             RunningGateway g = RunningGateway.start("mutual.example.test")) {
            g.apply("secret.yaml", secret("origin-client", good.writeCertChainPem(tmp.resolve("good.pem")),
                    good.writeKeyPem(tmp.resolve("good-key.pem")), caPem));
            g.apply("rules.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: mutual}
                    spec:
                      hosts: [mutual.example.test]
                      ports: [{number: %d, name: http, protocol: HTTP}]
                      resolution: DNS
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: mutual}
                    spec:
                      host: mutual.example.test
                      trafficPolicy:
                        tls: {mode: MUTUAL, credentialName: origin-client}
                    """.formatted(origin.port()));
            String url = "http://mutual.example.test:" + origin.port() + "/";
            assertThat(curl(g, url)).isEqualTo("200");

            g.apply("secret.yaml", secret("origin-client", stranger.writeCertChainPem(tmp.resolve("s.pem")),
                    stranger.writeKeyPem(tmp.resolve("s-key.pem")), caPem));
            assertThat(curl(g, url)).isEqualTo("502");
            assertThat(g.awaitAccessLine(l -> l.contains("upstream_tls_failure"))).doesNotContain("PRIVATE KEY");
        }
    }

    @Test
    void aMutualGatewayServerPresentsTheCertificateOfASecretAndARotationReachesNewConnections() throws Exception {
        Cli.requireCommand("redis-cli");
        MeshCerts mesh = MeshCerts.create(tmp.resolve("mesh"));
        Path server = mesh.issue("istio-system", "istio-egressgateway-service-account");
        Path sleep = mesh.issue("default", "sleep");
        MeshCerts otherMesh = MeshCerts.create(tmp.resolve("other-mesh"));
        Path otherServer = otherMesh.issue("istio-system", "istio-egressgateway-service-account");
        int gatewayPort = FreePorts.pick();
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), MeshOptions.gateway())) {
            g.apply("secret.yaml", secret("egress-cert", server.resolve("cert-chain.pem"), server.resolve("key.pem"),
                    server.resolve("root-cert.pem")));
            g.apply("redis.yaml", MutualTlsGatewayEndToEndTest.redisViaMutualTls(gatewayPort, redis.port(),
                    "{mode: MUTUAL, credentialName: egress-cert}"));
            assertThat(redisCli(gatewayPort, server, sleep).stdout().trim()).isEqualTo("PONG");

            // Rotated to a certificate of another CA (the Secret's CA still the first mesh's, so the caller is
            // still trusted): a client that trusts only the first CA now refuses the gateway.
            g.apply("secret.yaml", secret("egress-cert", otherServer.resolve("cert-chain.pem"),
                    otherServer.resolve("key.pem"), server.resolve("root-cert.pem")));
            await().atMost(TIMEOUT).until(() -> !redisCli(gatewayPort, server, sleep).stdout().contains("PONG"));
            assertThat(redisCli(gatewayPort, otherServer, sleep).stdout().trim()).isEqualTo("PONG");
        }
    }

    /** redis-cli over TLS to the gateway, trusting the root of {@code trusted}, presenting {@code client}. */
    private static Cli.Result redisCli(int port, Path trusted, Path client) {
        return Cli.run(TIMEOUT, "redis-cli", "--tls", "--sni", "redis.domain",
                "--cacert", trusted.resolve("root-cert.pem").toString(),
                "--cert", client.resolve("cert-chain.pem").toString(), "--key", client.resolve("key.pem").toString(),
                "-h", "127.0.0.1", "-p", String.valueOf(port), "PING");
    }
}
