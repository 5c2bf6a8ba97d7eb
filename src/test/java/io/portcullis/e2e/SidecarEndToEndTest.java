package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.MeshOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.RedisServerProcess;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TempConfigDir;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar role in real network namespaces: the app's own programs (redis-cli, curl), unchanged,
 * connect to their destinations; iptables (installed by {@code portcullis capture}) sends every
 * connection to the sidecar, which decides as Istio's sidecar does and, when a mesh route says so,
 * goes to the egress gateway (in this JVM, in the root namespace) over mutual TLS with the
 * workload's identity.
 */
class SidecarEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String GATEWAY_HOST = "istio-egressgateway.istio-system.svc.cluster.local";

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;
    static NetnsLab.App other;
    static MeshCerts mesh;
    static Path gatewayCerts;
    static Path appCerts;
    static Path otherCerts;

    @BeforeAll
    static void namespaces() {
        Cli.requireCommand("redis-cli");
        Cli.requireCommand("curl");
        lab = NetnsLab.create(2);
        app = lab.app(0);
        other = lab.app(1);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
        other.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
        mesh = MeshCerts.create(tmp.resolve("mesh"));
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        appCerts = mesh.issue("shop", "redis-client");
        otherCerts = mesh.issue("batch", "miner");
    }

    @AfterAll
    static void removeNamespaces() {
        if (lab != null) {
            lab.close();
        }
    }

    private static Path hostsFile(String... lines) throws Exception {
        return Files.writeString(Files.createTempFile(tmp, "hosts", ".txt"), String.join("\n", lines) + "\n");
    }

    private static RunningGateway meshGateway() throws Exception {
        return RunningGateway.startWithHosts(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getByName("0.0.0.0")), MeshOptions.gateway(gatewayCerts), List.of());
    }

    /** The workshop's first step: closed by the proxy until a ServiceEntry declares Redis, then PONG. */
    @Test
    void redisIsClosedUntilDeclaredThenAnswers() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn(app.hostIp());
             TempConfigDir config = TempConfigDir.create();
             SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, hostsFile())) {
            String port = String.valueOf(redis.port());
            Cli.Result closed = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING");
            assertThat(closed.stdout() + closed.stderr()).doesNotContain("PONG")
                    // A FIN, or a reset when the refused PING was still unread: closed either way.
                    .containsAnyOf("Server closed the connection", "Connection reset by peer");
            assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=denied")))
                    .contains("listener=capture_15001", "client=" + app.appIp() + ":",
                            "original_dst=" + app.hostIp() + ":" + port, "reason=no_service_entry");

            config.write("redis.yaml", """
                    apiVersion: networking.istio.io/v1alpha3
                    kind: ServiceEntry
                    metadata:
                      name: redis-serviceentry
                    spec:
                      hosts: [redis.domain]
                      addresses: [%s]
                      ports:
                      - {number: %s, name: tcp-redis, protocol: TCP}
                      location: MESH_EXTERNAL
                    """.formatted(app.hostIp(), port));
            sidecar.awaitApplied(2);
            Cli.Result pong = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING");
            assertThat(pong.stdout().trim()).as(pong.toString()).isEqualTo("PONG");
            assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                    .contains("resource=ServiceEntry/default/redis-serviceentry",
                            "upstream=" + app.hostIp() + ":" + port);
        }
    }

    /** IPv6: ip6tables redirects to the sidecar's [::1] listener, which reads IP6T_SO_ORIGINAL_DST. */
    @Test
    void ipv6IsCapturedToo() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn(app.hostIp6());
             TempConfigDir config = TempConfigDir.create()) {
            String port = String.valueOf(redis.port());
            config.write("redis6.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: redis-v6}
                    spec:
                      hosts: [redis6.domain]
                      addresses: ["%s"]
                      ports: [{number: %s, name: tcp-redis, protocol: TCP}]
                      location: MESH_EXTERNAL
                    """.formatted(app.hostIp6(), port));
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, hostsFile())) {
                Cli.Result pong = app.exec("redis-cli", "-h", app.hostIp6(), "-p", port, "PING");
                assertThat(pong.stdout().trim()).as(pong.toString()).isEqualTo("PONG");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                        .contains("listener=capture_15001", "client=[" + app.appIp6() + "]:",
                                "original_dst=[" + app.hostIp6() + "]:" + port, "resource=ServiceEntry/default/redis-v6");
            }
        }
    }

    /** What was not redirected, and the sidecar's own traffic coming back, are refused rather than followed. */
    @Test
    void unredirectedAndLoopingConnectionsAreRefused() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn(app.hostIp());
             TempConfigDir config = TempConfigDir.create()) {
            String port = String.valueOf(redis.port());
            config.write("redis.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: redis}
                    spec:
                      hosts: [redis.domain]
                      addresses: [%s]
                      ports: [{number: %s, name: tcp-redis, protocol: TCP}]
                    """.formatted(app.hostIp(), port));
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, hostsFile())) {
                // Loopback is not captured: this reaches the capture port directly.
                app.exec("redis-cli", "-h", "127.0.0.1", "-p", "15001", "PING");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("reason=no_original_dst")))
                        .contains("decision=denied", "not redirected by iptables");

                // Capture that excludes another group than the sidecar's: its upstream comes back to it.
                app.capture("--proxy-uid", "4242");
                try {
                    Cli.Result looped = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING");
                    assertThat(looped.stdout()).doesNotContain("PONG");
                    assertThat(sidecar.awaitAccessLine(l -> l.contains("reason=capture_loop")))
                            .contains("original_dst=" + app.hostIp() + ":" + port, "--proxy-uid/--proxy-gid");
                } finally {
                    app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
                }
                assertThat(app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING").stdout().trim()).isEqualTo("PONG");
            }
        }
    }

    /**
     * Articles 12 and 14, with mutual TLS between sidecar and gateway: the mesh tcp route sends
     * Redis to the egress gateway (DestinationRule ISTIO_MUTUAL with sni redis.domain), whose tcp
     * route sends it to Redis.
     */
    static String redisViaGateway(List<String> redisIps, int redisPort, int gatewayPort) {
        String addresses = String.join(", ", redisIps);
        String subnets = String.join(", ", redisIps.stream().map(ip -> ip + "/32").toList());
        return """
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata:
                  name: redis-serviceentry
                spec:
                  hosts: [redis.domain]
                  addresses: [%1$s]
                  ports:
                  - {number: %3$d, name: tcp-redis, protocol: TCP}
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: Gateway
                metadata:
                  name: istio-egressgateway
                  namespace: istio-system
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %4$d, name: tls-redis, protocol: TLS}
                    hosts: [redis.domain]
                    tls: {mode: ISTIO_MUTUAL}
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: DestinationRule
                metadata:
                  name: egressgateway-for-redis
                spec:
                  host: %5$s
                  subsets:
                  - name: redis
                    trafficPolicy:
                      portLevelSettings:
                      - port: {number: %4$d}
                        tls: {mode: ISTIO_MUTUAL, sni: redis.domain}
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: VirtualService
                metadata:
                  name: redis-through-egress-gateway
                spec:
                  hosts: [redis.domain]
                  gateways: [mesh, istio-system/istio-egressgateway]
                  tcp:
                  - match:
                    - gateways: [mesh]
                      destinationSubnets: [%2$s]
                      port: %3$d
                    route:
                    - destination:
                        host: %5$s
                        subset: redis
                        port: {number: %4$d}
                  - match:
                    - gateways: [istio-system/istio-egressgateway]
                      port: %4$d
                    route:
                    - destination:
                        host: redis.domain
                        port: {number: %3$d}
                      weight: 100
                """.formatted(addresses, subnets, redisPort, gatewayPort, GATEWAY_HOST);
    }

    @Test
    void redisCliGoesThroughSidecarAndGatewayOverMutualTls() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn(app.hostIp()); RunningGateway g = meshGateway()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml",
                    p -> redisViaGateway(List.of(app.hostIp()), redis.port(), p));
            try (SidecarProcess sidecar = SidecarProcess.start(app, g.config.path(), appCerts,
                    hostsFile(app.hostIp() + " " + GATEWAY_HOST))) {
                String port = String.valueOf(redis.port());
                Cli.Result set = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "SET", "order", "42");
                assertThat(set.stdout().trim()).as(set.toString()).isEqualTo("OK");
                assertThat(Cli.run(TIMEOUT, "redis-cli", "-h", app.hostIp(), "-p", port, "GET", "order").stdout().trim())
                        .isEqualTo("42");
                // Half-close across both hops: the app ends its input (close_notify, then FIN, on the TLS
                // hop) and still gets the whole answer.
                Cli.Result halfClosed = app.exec("sh", "-c", "printf 'GET order\\r\\n' | nc -N -w 10 "
                        + app.hostIp() + " " + port);
                assertThat(halfClosed.stdout()).as(halfClosed.toString()).isEqualTo("$2\r\n42\r\n");

                assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                        .contains("original_dst=" + app.hostIp() + ":" + port,
                                "resource=ServiceEntry/default/redis-serviceentry",
                                "upstream=" + app.hostIp() + ":" + gatewayPort);
                assertThat(g.awaitAccessLine(l -> l.contains("listener=tls_" + gatewayPort)))
                        .contains("client=" + app.appIp() + ":",
                                "source_principal=spiffe://cluster.local/ns/shop/sa/redis-client",
                                "requested=redis.domain:" + gatewayPort, "decision=allowed",
                                "upstream=" + app.hostIp() + ":" + port);
            }
        }
    }

    @Test
    // Sidecar A runs for the test's length and is only ever reached through the network, never by name.
    @SuppressWarnings("try")
    void workloadAIsAllowedAndWorkloadBIsRefusedAtTheGateway() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn("0.0.0.0"); RunningGateway g = meshGateway()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml",
                    p -> redisViaGateway(List.of(app.hostIp(), other.hostIp()), redis.port(), p));
            g.apply("authz.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: redis-for-the-shop, namespace: istio-system}
                    spec:
                      action: ALLOW
                      rules:
                      - from: [{source: {namespaces: [shop]}}]
                        to: [{operation: {hosts: [redis.domain]}}]
                    """);
            String port = String.valueOf(redis.port());
            try (SidecarProcess a = SidecarProcess.start(app, g.config.path(), appCerts,
                    hostsFile(app.hostIp() + " " + GATEWAY_HOST));
                 SidecarProcess b = SidecarProcess.start(other, g.config.path(), otherCerts,
                         hostsFile(other.hostIp() + " " + GATEWAY_HOST))) {
                Cli.Result allowed = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING");
                assertThat(allowed.stdout().trim()).as(allowed.toString()).isEqualTo("PONG");
                Cli.Result refused = other.exec("redis-cli", "-h", other.hostIp(), "-p", port, "PING");
                assertThat(refused.stdout() + refused.stderr()).doesNotContain("PONG");

                assertThat(g.awaitAccessLine(l -> l.contains("ns/batch/sa/miner")))
                        .contains("decision=denied", "reason=authz_denied",
                                "resource=AuthorizationPolicy/istio-system/redis-for-the-shop", "requested=redis.domain:");
                assertThat(g.awaitAccessLine(l -> l.contains("ns/shop/sa/redis-client"))).contains("decision=allowed");
                // B's own sidecar allowed it (the entry declares Redis); the gateway, knowing who calls, did not.
                assertThat(b.awaitAccessLine(l -> l.contains("original_dst=" + other.hostIp() + ":" + port)))
                        .contains("resource=ServiceEntry/default/redis-serviceentry");
            }
        }
    }

    /** Plain HTTP is matched by its Host header, which must resolve to where the app connected. */
    @Test
    void httpIsMatchedByHostAndASpoofedHostIsRefused() throws Exception {
        try (io.portcullis.testsupport.HttpOrigin books = new io.portcullis.testsupport.HttpOrigin("books",
                InetAddress.getByName(app.hostIp()));
             TempConfigDir config = TempConfigDir.create()) {
            String port = String.valueOf(books.port());
            config.write("books.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: books}
                    spec:
                      hosts: [books.example.test]
                      ports: [{number: %s, name: http, protocol: HTTP}]
                      resolution: DNS
                    """.formatted(port));
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null,
                    hostsFile(app.hostIp() + " books.example.test"))) {
                Cli.Result ok = app.exec("curl", "-sS", "--max-time", "10", "--resolve",
                        "books.example.test:" + port + ":" + app.hostIp(), "http://books.example.test:" + port + "/");
                assertThat(ok.stdout()).as(ok.toString()).isEqualTo("hello from books\n");
                assertThat(books.lastHost()).isEqualTo("books.example.test:" + port);
                assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                        .contains("requested=books.example.test:" + port, "resource=ServiceEntry/default/books");

                // Captured HTTP is served per request: the refusal is an answer that says why.
                Cli.Result spoofed = app.exec("curl", "-sS", "-i", "--max-time", "10", "-H", "Host: books.example.test",
                        "http://" + app.otherHostIp() + ":" + port + "/");
                assertThat(spoofed.stdout()).as(spoofed.toString()).startsWith("HTTP/1.1 403")
                        .contains("x-portcullis-reason: host_mismatch").doesNotContain("hello from books");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("reason=host_mismatch")))
                        .contains("original_dst=" + app.otherHostIp() + ":" + port,
                                "Host books.example.test resolves to " + app.hostIp());
            }
        }
    }

    /** ALLOW_ANY lets an undeclared destination through and says so in the log; --remove ends the capture. */
    @Test
    void allowAnyPassesAndLogsAndRemovingCaptureLeavesTheAppAlone() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn(app.hostIp());
             TempConfigDir config = TempConfigDir.create()) {
            String port = String.valueOf(redis.port());
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, hostsFile(),
                    "--outbound-policy", "ALLOW_ANY")) {
                assertThat(app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING").stdout().trim()).isEqualTo("PONG");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("original_dst=" + app.hostIp() + ":" + port)))
                        .contains("decision=allowed", "reason=undeclared_allowed", "upstream=" + app.hostIp() + ":" + port);
            }
            // No sidecar now: with capture in place the app is cut off, without it, it is alone.
            assertThat(app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING").stdout()).doesNotContain("PONG");
            app.capture("--remove");
            try {
                assertThat(app.exec("iptables", "-t", "nat", "-S").stdout()).doesNotContain("PORTCULLIS");
                assertThat(app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING").stdout().trim()).isEqualTo("PONG");
            } finally {
                app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
            }
            assertThat(app.exec("iptables", "-t", "nat", "-S").stdout()).contains("-A PORTCULLIS_OUTPUT -m owner --gid-owner 1337 -j RETURN");
        }
    }

    /** Article 01 in the sidecar: HTTPS by name, the SNI checked against the address the app connected to. */
    static String apiEntry(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: api
                spec:
                  hosts: [api.example.test]
                  ports:
                  - {number: %d, name: https, protocol: HTTPS}
                  location: MESH_EXTERNAL
                  resolution: DNS
                """.formatted(port);
    }

    @Test
    void curlReachesAnHttpsHostByNameAndAWrongSniIsRefused() throws Exception {
        TestCa ca = TestCa.create("api ca");
        Path caPem = ca.writeCaPem(tmp.resolve("api-ca.pem"));
        try (HttpsOrigin api = new HttpsOrigin("api", ca.issueServer("api.example.test", "other.example.test"),
                InetAddress.getByName(app.hostIp()));
             TempConfigDir config = TempConfigDir.create()) {
            config.write("api.yaml", apiEntry(api.port()));
            String port = String.valueOf(api.port());
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null,
                    hostsFile(app.hostIp() + " api.example.test"))) {
                app.hosts(app.hostIp() + " api.example.test", app.hostIp() + " other.example.test");
                Cli.Result ok = app.exec("curl", "-sS", "--max-time", "10", "--cacert", caPem.toString(),
                        "https://api.example.test:" + port + "/");
                assertThat(ok.stdout()).as(ok.toString()).isEqualTo("hello from api\n");
                assertThat(api.lastSni()).isEqualTo("api.example.test");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                        .contains("requested=api.example.test:" + port, "resource=ServiceEntry/default/api",
                                "upstream=" + app.hostIp() + ":" + port);

                // An undeclared name on the same address and port.
                Cli.Result undeclared = app.exec("curl", "-sS", "--max-time", "10", "--cacert", caPem.toString(),
                        "https://other.example.test:" + port + "/");
                assertThat(undeclared.exitCode()).isNotZero();
                // Told in TLS why: a fatal unrecognized_name alert from the sidecar, not an unexpected EOF.
                assertThat(undeclared.stderr()).as(undeclared.toString()).contains("unrecognized name");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("requested=other.example.test")))
                        .contains("reason=no_service_entry");

                // The article's malicious microservice: an allowed SNI sent to another address.
                Cli.Result spoofed = app.exec("curl", "-sS", "--max-time", "10", "--cacert", caPem.toString(),
                        "--resolve", "api.example.test:" + port + ":" + app.otherHostIp(),
                        "https://api.example.test:" + port + "/");
                assertThat(spoofed.exitCode()).isNotZero();
                assertThat(spoofed.stderr()).as(spoofed.toString()).contains("unrecognized name");
                assertThat(sidecar.awaitAccessLine(l -> l.contains("reason=sni_mismatch")))
                        .contains("original_dst=" + app.otherHostIp() + ":" + port, "upstream=-",
                                "SNI api.example.test resolves to " + app.hostIp() + ", not to " + app.otherHostIp());
            }
            // With --on-mismatch reroute, the same connection goes where the name resolves.
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null,
                    hostsFile(app.hostIp() + " api.example.test"), "--on-mismatch", "reroute")) {
                int before = api.connectionCount();
                Cli.Result rerouted = app.exec("curl", "-sS", "--max-time", "10", "--cacert", caPem.toString(),
                        "--resolve", "api.example.test:" + port + ":" + app.otherHostIp(),
                        "https://api.example.test:" + port + "/");
                assertThat(rerouted.stdout()).as(rerouted.toString()).isEqualTo("hello from api\n");
                assertThat(api.connectionCount()).isEqualTo(before + 1);
                assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                        .contains("original_dst=" + app.otherHostIp() + ":" + port, "upstream=" + app.hostIp() + ":" + port);
            }
        }
    }
}
