package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.RedisServerProcess;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gateway servers: SNI passthrough with curl and openssl, TCP routing with redis-cli to a real redis-server. */
class GatewayListenersEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static Path caPem;
    static HttpsOrigin mongo;

    @BeforeAll
    static void origin() {
        Cli.requireCommand("curl");
        Cli.requireCommand("openssl");
        TestCa ca = TestCa.create("portcullis test ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        mongo = new HttpsOrigin("mongo", ca.issueServer("mongo.example.test", "db.example.test", "evil.test"));
    }

    @AfterAll
    static void stop() {
        mongo.close();
    }

    /** Article 09's shape on free ports: a PASSTHROUGH server routed by SNI to the entry's port. */
    private static String passthrough(int gatewayPort, int originPort) {
        return """
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata:
                  name: mongo
                spec:
                  hosts: ["*.example.test"]
                  ports:
                  - {number: %2$d, name: tls, protocol: TLS}
                  - {number: %1$d, name: tls-port-for-egress-gateway, protocol: TLS}
                  location: MESH_EXTERNAL
                  resolution: DYNAMIC_DNS
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: Gateway
                metadata:
                  name: istio-egressgateway
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tls, protocol: TLS}
                    hosts: ["*.example.test"]
                    tls: {mode: PASSTHROUGH}
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: VirtualService
                metadata:
                  name: direct-mongo-through-egress-gateway
                spec:
                  hosts: ["*.example.test"]
                  gateways: [istio-egressgateway]
                  tls:
                  - match:
                    - port: %1$d
                      sni_hosts: [mongo.example.test]
                    route:
                    - destination:
                        host: mongo.example.test
                        port: {number: %2$d}
                      weight: 100
                """.formatted(gatewayPort, originPort);
    }

    @Test
    void sniPassthroughRoutesDeclaredNamesAndClosesOthers() throws Exception {
        try (RunningGateway g = RunningGateway.start("mongo.example.test", "db.example.test", "evil.test")) {
            int gatewayPort = g.applyOnFreePort("mongo.yaml", port -> passthrough(port, mongo.port()));

            // Routed by the VirtualService tls route to the origin's port.
            Cli.Result viaRoute = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "--cacert", caPem.toString(),
                    "--resolve", "mongo.example.test:" + gatewayPort + ":127.0.0.1",
                    "https://mongo.example.test:" + gatewayPort + "/");
            assertThat(viaRoute.exitCode()).as(viaRoute.toString()).isZero();
            assertThat(viaRoute.stdout()).isEqualTo("hello from mongo\n");
            assertThat(mongo.lastSni()).isEqualTo("mongo.example.test");

            // An SNI outside the Gateway server's hosts is closed before any byte reaches an upstream.
            Cli.Result undeclared = Cli.runWithInput(TIMEOUT, "", "openssl", "s_client", "-connect",
                    "127.0.0.1:" + gatewayPort, "-servername", "evil.test", "-CAfile", caPem.toString(),
                    "-verify_return_error");
            assertThat(undeclared.exitCode()).isNotZero();
            assertThat(undeclared.stdout()).contains("no peer certificate available");
            // Told in TLS why: a fatal unrecognized_name alert before the close, not an unexpected EOF.
            assertThat(undeclared.stderr()).as(undeclared.toString()).contains("unrecognized name")
                    .doesNotContain("unexpected eof");
            Cli.Result curlUndeclared = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "--cacert", caPem.toString(),
                    "--resolve", "evil.test:" + gatewayPort + ":127.0.0.1", "https://evil.test:" + gatewayPort + "/");
            assertThat(curlUndeclared.stderr()).as(curlUndeclared.toString()).contains("unrecognized name");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("requested_server_name").equals("evil.test"));
            assertThat(line.listenerPort()).isEqualTo(gatewayPort);
            assertThat(line.get("response_code_details")).isEqualTo("not_gateway_host");
            assertThat(line.get("response_flags")).isEqualTo("NR");
            assertThat(line.get("upstream_host")).isEqualTo("-");

            Cli.Result ok = Cli.runWithInput(TIMEOUT, "", "openssl", "s_client", "-connect", "127.0.0.1:" + gatewayPort,
                    "-servername", "mongo.example.test", "-CAfile", caPem.toString(), "-verify_return_error");
            assertThat(ok.stdout()).contains("Server certificate", "Verify return code: 0 (ok)");

            // Refused by an AuthorizationPolicy: access_denied.
            g.apply("authz.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: no-loopback-callers, namespace: istio-system}
                    spec:
                      action: DENY
                      rules: [{from: [{source: {ipBlocks: [127.0.0.0/8]}}]}]
                    """);
            Cli.Result denied = Cli.runWithInput(TIMEOUT, "", "openssl", "s_client", "-connect",
                    "127.0.0.1:" + gatewayPort, "-servername", "mongo.example.test", "-CAfile", caPem.toString(),
                    "-verify_return_error");
            assertThat(denied.exitCode()).isNotZero();
            assertThat(denied.stderr()).as(denied.toString()).contains("access denied");
            assertThat(g.awaitAccess(l -> l.get("response_code_details").equals("authz_denied")).get("response_flags"))
                    .isEqualTo("UAEX");
        }
    }

    @Test
    void plainBytesAndMissingSniAreRefusedWithTheirReason() throws Exception {
        try (RunningGateway g = RunningGateway.start("mongo.example.test")) {
            int gatewayPort = g.applyOnFreePort("mongo.yaml", port -> passthrough(port, mongo.port()));
            Cli.runWithInput(TIMEOUT, "GET / HTTP/1.1\r\nHost: mongo.example.test\r\n\r\n",
                    "nc", "-q", "3", "127.0.0.1", String.valueOf(gatewayPort));
            assertThat(g.awaitAccess(l -> l.get("response_code_details").equals("not_tls")).listenerPort())
                    .isEqualTo(gatewayPort);

            Cli.Result noSni = Cli.runWithInput(TIMEOUT, "", "openssl", "s_client", "-connect",
                    "127.0.0.1:" + gatewayPort, "-noservername");
            assertThat(noSni.exitCode()).isNotZero();
            assertThat(g.awaitAccess(l -> l.get("response_code_details").equals("no_sni")).get("upstream_cluster"))
                    .isEqualTo("BlackHoleCluster");
        }
    }

    @Test
    void aPortHeldByAnotherProcessIsBoundOnceItIsFreedWithoutAConfigurationChange() throws Exception {
        int gatewayPort;
        try (RunningGateway g = RunningGateway.start("mongo.example.test")) {
            // The squatter binds port 0: the port is held from the start, with no race for it.
            try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                gatewayPort = squatter.getLocalPort();
                g.apply("mongo.yaml", passthrough(gatewayPort, mongo.port()));
                // The squatter answers (with nothing) for now; the configuration is in force all the same.
                assertThat(squatter.isBound()).isTrue();
            }
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                Cli.Result viaRoute = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "5", "--cacert", caPem.toString(),
                        "--resolve", "mongo.example.test:" + gatewayPort + ":127.0.0.1",
                        "https://mongo.example.test:" + gatewayPort + "/");
                assertThat(viaRoute.stdout()).as(viaRoute.toString()).isEqualTo("hello from mongo\n");
            });
        }
    }

    @Test
    void aGatewayPortTakenBetweenThePickAndTheBindIsPickedAgain() throws Exception {
        try (RunningGateway g = RunningGateway.start("mongo.example.test");
             ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // The second pick is a port this test holds until the gateway is about to bind it.
            int freePort = free.getLocalPort();
            java.util.Iterator<Integer> picks = List.of(taken.getLocalPort(), freePort).iterator();
            List<Integer> bound = g.applyOnPorts("mongo.yaml", 1, () -> {
                int port = picks.next();
                if (port == freePort) {
                    closeQuietly(free);
                }
                return port;
            }, ports -> passthrough(ports.get(0), mongo.port()));
            assertThat(bound).containsExactly(freePort);
            assertThat(g.gateway.server().gatewayListeners()).containsOnlyKeys(freePort);
            Cli.Result viaRoute = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "--cacert", caPem.toString(),
                    "--resolve", "mongo.example.test:" + freePort + ":127.0.0.1", "https://mongo.example.test:" + freePort + "/");
            assertThat(viaRoute.stdout()).as(viaRoute.toString()).isEqualTo("hello from mongo\n");
        }
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void tcpGatewayRoutesRedisCliToARealRedisServer() throws Exception {
        Cli.requireCommand("redis-cli");
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = RunningGateway.start()) {
            assertThat(g.gateway.server().gatewayListeners()).as("no listener before a Gateway asks for one").isEmpty();

            // Articles 12 and 14, on free ports.
            int gatewayPort = g.applyOnFreePort("redis.yaml", port -> """
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
                      - port: {number: %1$d, name: tcp-redis, protocol: TCP}
                        hosts: [redis.domain]
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
                          weight: 100
                    """.formatted(port, redis.port()));

            Cli.Result ping = Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(gatewayPort), "PING");
            assertThat(ping.stdout().trim()).isEqualTo("PONG");
            Cli.Result set = Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(gatewayPort),
                    "SET", "egress", "declared");
            assertThat(set.stdout().trim()).isEqualTo("OK");
            Cli.Result get = Cli.run(TIMEOUT, "redis-cli", "-p", String.valueOf(redis.port()), "GET", "egress");
            assertThat(get.stdout().trim()).isEqualTo("declared");
            EnvoyAccessLine tcp = g.awaitAccess(l -> l.listenerPort() == gatewayPort
                    && l.get("response_code_details").equals("declared"));
            assertThat(tcp.get("route_name")).isEqualTo("ServiceEntry/default/redis-serviceentry");
            assertThat(tcp.get("upstream_host")).isEqualTo("127.0.0.1:" + redis.port());
            assertThat(tcp.get("upstream_cluster")).isEqualTo("outbound|" + redis.port() + "||redis.domain");
            assertThat(tcp.get("method") + tcp.get("path") + tcp.get("protocol")).isEqualTo("---");

            g.remove("redis.yaml");
            Cli.Result after = Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(gatewayPort), "PING");
            assertThat(after.stdout()).doesNotContain("PONG");
        }
    }
}
