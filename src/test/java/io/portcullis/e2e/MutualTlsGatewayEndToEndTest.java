package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.MeshClient;
import io.portcullis.testsupport.RedisServerProcess;
import io.portcullis.testsupport.TestCa;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway side of mesh mode, driven the way a sidecar drives it: Gateway servers with
 * {@code ISTIO_MUTUAL} and {@code MUTUAL} (the articles' /etc/certs paths) terminate mutual TLS,
 * require a certificate from the mesh CA, log the caller's SPIFFE ID, route the decrypted stream
 * by the tcp route or the SNI, and verify the app's inner SNI.
 */
class MutualTlsGatewayEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static MeshCerts mesh;
    static Path gatewayCerts;
    static Path sleepCerts;
    static Path strangerCerts;
    static TestCa appCa;
    static HttpsOrigin mongo;

    @BeforeAll
    static void certificates() {
        Cli.requireCommand("redis-cli");
        mesh = MeshCerts.create(tmp.resolve("mesh"));
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        sleepCerts = mesh.issue("default", "sleep");
        strangerCerts = MeshCerts.create(tmp.resolve("other-mesh")).issue("default", "sleep");
        appCa = TestCa.create("app ca");
        mongo = new HttpsOrigin("mongo", appCa.issueServer("mongo.example.test", "evil.test"));
    }

    @AfterAll
    static void stop() {
        mongo.close();
    }

    private static RunningGateway gateway(String... hosts) throws Exception {
        return RunningGateway.start(OutboundPolicy.REGISTRY_ONLY, ProxySettings.defaults(InetAddress.getLoopbackAddress()),
                MeshOptions.gateway(gatewayCerts), hosts);
    }

    /** Articles 12 and 14 with mutual TLS between sidecar and gateway: the gateway's TLS server routes by tcp route. */
    static String redisViaMutualTls(int gatewayPort, int redisPort, String tls) {
        return """
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata:
                  name: redis-serviceentry
                spec:
                  hosts: [redis.domain]
                  addresses: [127.0.0.1]
                  ports:
                  - {number: %2$d, name: tcp-redis, protocol: TCP}
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: Gateway
                metadata:
                  name: istio-egressgateway
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tls-redis, protocol: TLS}
                    hosts: [redis.domain]
                    tls: %3$s
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: VirtualService
                metadata:
                  name: redis-through-egress-gateway
                spec:
                  hosts: [redis.domain]
                  gateways: [mesh, istio-egressgateway]
                  tcp:
                  - match:
                    - gateways: [istio-egressgateway]
                      port: %1$d
                    route:
                    - destination:
                        host: redis.domain
                        port: {number: %2$d}
                """.formatted(gatewayPort, redisPort, tls);
    }

    private static Cli.Result redisCli(int port, Path certs, String... command) {
        List<String> argv = new ArrayList<>(List.of("redis-cli", "--tls", "--sni", "redis.domain",
                "--cacert", gatewayCerts.resolve("root-cert.pem").toString()));
        if (certs != null) {
            argv.addAll(List.of("--cert", certs.resolve("cert-chain.pem").toString(),
                    "--key", certs.resolve("key.pem").toString()));
        }
        argv.addAll(List.of("-h", "127.0.0.1", "-p", String.valueOf(port)));
        argv.addAll(List.of(command));
        return Cli.run(TIMEOUT, argv.toArray(new String[0]));
    }

    @Test
    void istioMutualRequiresAMeshCertificateAndLogsTheCallersIdentity() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start(); RunningGateway g = gateway()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml",
                    port -> redisViaMutualTls(port, redis.port(), "{mode: ISTIO_MUTUAL}"));

            Cli.Result ping = redisCli(gatewayPort, sleepCerts, "PING");
            assertThat(ping.stdout().trim()).as(ping.toString()).isEqualTo("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("listener=tls_" + gatewayPort) && l.contains("decision=allowed")))
                    .contains("source_principal=spiffe://cluster.local/ns/default/sa/sleep",
                            "requested=redis.domain:" + gatewayPort, "resource=ServiceEntry/default/redis-serviceentry",
                            "upstream=127.0.0.1:" + redis.port());

            Cli.Result anonymous = redisCli(gatewayPort, null, "PING");
            assertThat(anonymous.stdout()).doesNotContain("PONG");
            Cli.Result stranger = redisCli(gatewayPort, strangerCerts, "PING");
            assertThat(stranger.stdout()).doesNotContain("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("reason=tls_handshake_failed")))
                    .contains("listener=tls_" + gatewayPort, "decision=denied");
            await(() -> g.accessLines().stream().filter(l -> l.contains("reason=tls_handshake_failed")).count() >= 2);
        }
    }

    @Test
    void mutualWithTheArticlesEtcCertsPathsUsesTheMeshIdentity() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start(); RunningGateway g = gateway()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml", port -> redisViaMutualTls(port, redis.port(),
                    "{mode: MUTUAL, serverCertificate:"
                    + " /etc/certs/cert-chain.pem, privateKey: /etc/certs/key.pem, caCertificates: /etc/certs/root-cert.pem}"));
            Cli.Result set = redisCli(gatewayPort, sleepCerts, "SET", "via", "mtls");
            assertThat(set.stdout().trim()).as(set.toString()).isEqualTo("OK");
            Cli.Result get = Cli.run(TIMEOUT, "redis-cli", "-p", String.valueOf(redis.port()), "GET", "via");
            assertThat(get.stdout().trim()).isEqualTo("mtls");
        }
    }

    @Test
    void istioMutualWithoutMeshCertsIsRefusedWithItsReason() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start(); RunningGateway g = RunningGateway.startLogfmt()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml",
                    port -> redisViaMutualTls(port, redis.port(), "{mode: ISTIO_MUTUAL}"));
            assertThat(redisCli(gatewayPort, sleepCerts, "PING").stdout()).doesNotContain("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("listener=tls_" + gatewayPort)))
                    .contains("reason=tls_unavailable", "--mesh-certs");
        }
    }

    /**
     * The SSRF guard on the mutual-TLS listener: with no {@code --allow-private}, the loopback
     * address the ServiceEntry lists itself is let through, as on every other listener (the
     * MongoDB article's step 06 with a "world" in a guarded range). The gateway used to pass no
     * entry to the guard on this path, so it refused the address with reason=private_address.
     */
    @Test
    void anAddressInAGuardedRangeTheEntryListsIsReachedWithoutAllowPrivate() throws Exception {
        RunningGateway.Options strict = new RunningGateway.Options(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getLoopbackAddress()), List.of(), Map.of(), AccessLogFormat.LOGFMT,
                GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, MeshOptions.gateway(gatewayCerts));
        try (RedisServerProcess redis = RedisServerProcess.start(); RunningGateway g = RunningGateway.start(strict)) {
            int gatewayPort = g.applyOnFreePort("redis.yaml",
                    port -> redisViaMutualTls(port, redis.port(), "{mode: ISTIO_MUTUAL}"));

            Cli.Result ping = redisCli(gatewayPort, sleepCerts, "PING");
            assertThat(ping.stdout().trim()).as(ping + "\n" + g.accessLines()).isEqualTo("PONG");
            assertThat(g.awaitAccessLine(l -> l.contains("listener=tls_" + gatewayPort) && l.contains("decision=")))
                    .contains("decision=allowed", "resource=ServiceEntry/default/redis-serviceentry",
                            "upstream=127.0.0.1:" + redis.port());
        }
    }

    /** Article 08's gateway: the sidecar announces the app's SNI; the app's own TLS inside must name the same host. */
    @Test
    void theInnerClientHelloMustNameTheAnnouncedSni() throws Exception {
        try (RunningGateway g = gateway("mongo.example.test", "evil.test")) {
            int gatewayPort = g.applyOnFreePort("mongo.yaml", port -> """
                    apiVersion: networking.istio.io/v1alpha3
                    kind: ServiceEntry
                    metadata:
                      name: mongo
                    spec:
                      hosts: [mongo.example.test]
                      ports:
                      - {number: %2$d, name: tls, protocol: TLS}
                      - {number: %1$d, name: tls-port-for-egress-gateway, protocol: TLS}
                      resolution: DNS
                      location: MESH_EXTERNAL
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: Gateway
                    metadata:
                      name: istio-egressgateway
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %1$d, name: tls, protocol: TLS}
                        hosts: [mongo.example.test]
                        tls:
                          mode: MUTUAL
                          serverCertificate: /etc/certs/cert-chain.pem
                          privateKey: /etc/certs/key.pem
                          caCertificates: /etc/certs/root-cert.pem
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: VirtualService
                    metadata:
                      name: direct-mongo-through-egress-gateway
                    spec:
                      hosts: [mongo.example.test]
                      gateways: [mesh, istio-egressgateway]
                      tcp:
                      - match:
                        - gateways: [istio-egressgateway]
                          port: %1$d
                        route:
                        - destination:
                            host: mongo.example.test
                            port: {number: %2$d}
                          weight: 100
                    """.formatted(port, mongo.port()));

            try (SSLSocket outer = MeshClient.connect(sleepCerts, "127.0.0.1", gatewayPort, "mongo.example.test");
                 SSLSocket inner = MeshClient.tlsInside(outer, appCa.clientSslContext(), "mongo.example.test", mongo.port())) {
                assertThat(MeshClient.get(inner, "mongo.example.test")).endsWith("hello from mongo\n");
            }
            assertThat(mongo.lastSni()).isEqualTo("mongo.example.test");
            assertThat(g.awaitAccessLine(l -> l.contains("decision=allowed")))
                    .contains("source_principal=spiffe://cluster.local/ns/default/sa/sleep", "upstream=127.0.0.1:" + mongo.port());

            // A "malicious microservice" announcing an allowed name but speaking to another inside.
            try (SSLSocket outer = MeshClient.connect(sleepCerts, "127.0.0.1", gatewayPort, "mongo.example.test")) {
                // The app's TLS client is told why, through the mutual-TLS stream: a fatal unrecognized_name alert.
                assertThatThrownBy(() -> MeshClient.tlsInside(outer, appCa.clientSslContext(), "evil.test", mongo.port()))
                        .isInstanceOf(IOException.class).hasMessageContaining("unrecognized_name");
            }
            assertThat(g.awaitAccessLine(l -> l.contains("reason=sni_mismatch")))
                    .contains("decision=denied", "the app's ClientHello names evil.test but the sidecar announced"
                            + " mongo.example.test");
            assertThat(mongo.snis()).doesNotContain("evil.test");

            // An announced SNI outside the Gateway server's hosts is refused by the name alone, whoever
            // calls: told at ClientHello time, as a fatal unrecognized_name alert, not after a handshake.
            assertThatThrownBy(() -> MeshClient.connect(sleepCerts, "127.0.0.1", gatewayPort, "evil.test").close())
                    .isInstanceOf(IOException.class).hasMessageContaining("unrecognized_name");
            assertThat(g.awaitAccessLine(l -> l.contains("requested=evil.test:")))
                    .contains("decision=denied", "reason=not_gateway_host");
        }
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(condition);
    }
}
