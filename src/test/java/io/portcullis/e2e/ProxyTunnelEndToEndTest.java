package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.RedisServerProcess;
import io.portcullis.testsupport.SquidProcess;
import io.portcullis.testsupport.TestCa;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DestinationRule trafficPolicy.tunnel}: the gateway leaves through a real Squid as the
 * corporate proxy, with CONNECT, for TLS passthrough, TCP (redis-cli to a real redis-server) and
 * TLS origination; Squid's 403 is an upstream failure naming its status; a proxy nobody declared
 * gets nothing.
 */
class ProxyTunnelEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static Path caPem;
    static HttpsOrigin api;
    static SquidProcess squid;

    @BeforeAll
    static void start() {
        Cli.requireCommand("curl");
        TestCa ca = TestCa.create("portcullis test ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        api = new HttpsOrigin("api", ca.issueServer("api.example.test"));
        squid = SquidProcess.start(Map.of("api.example.test", "127.0.0.1", "redis.example.test", "127.0.0.1",
                "forbidden.example.test", "127.0.0.1"), List.of("forbidden.example.test"));
    }

    @AfterAll
    static void stop() {
        api.close();
        squid.close();
    }

    private static RunningGateway gateway() throws Exception {
        // The gateway resolves the proxies' names; only Squid resolves the targets'.
        return RunningGateway.start("proxy.corp.test", "proxy-redis.corp.test", "proxy-deny.corp.test",
                "undeclared-proxy.corp.test");
    }

    /** A proxy's ServiceEntry on Squid's port, and the DestinationRule that tunnels through it to {@code target}. */
    private static String proxy(String name, String host, String target, int targetPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s}
                spec:
                  hosts: [%2$s]
                  ports:
                  - {number: %5$d, name: tcp-proxy, protocol: TCP}
                  location: MESH_EXTERNAL
                  resolution: DNS
                ---
                %6$s""".formatted(name, host, target, targetPort, squid.port(), tunnel(name, host, target, targetPort));
    }

    private static String tunnel(String name, String host, String target, int targetPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s}
                spec:
                  host: %2$s
                  trafficPolicy:
                    tunnel: {protocol: CONNECT, targetHost: %3$s, targetPort: %4$d}
                """.formatted(name, host, target, targetPort);
    }

    /** A TLS passthrough Gateway server for {@code sni}, whose tls route sends it to {@code proxyHost} on Squid's port. */
    private static String passthroughVia(int gatewayPort, String sni, String proxyHost) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [%2$s]
                  ports:
                  - {number: %1$d, name: tls, protocol: TLS}
                  location: MESH_EXTERNAL
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tls, protocol: TLS}
                    hosts: [%2$s]
                    tls: {mode: PASSTHROUGH}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api-via-corporate-proxy}
                spec:
                  hosts: [%2$s]
                  gateways: [egress]
                  tls:
                  - match: [{port: %1$d, sniHosts: [%2$s]}]
                    route:
                    - destination: {host: %3$s, port: {number: %4$d}}
                """.formatted(gatewayPort, sni, proxyHost, squid.port());
    }

    private static Cli.Result curlTls(int gatewayPort, String host) {
        return Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "20", "--cacert", caPem.toString(),
                "--resolve", host + ":" + gatewayPort + ":127.0.0.1", "https://" + host + ":" + gatewayPort + "/");
    }

    @Test
    void tlsPassthroughLeavesThroughSquidWithConnect() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("proxy.yaml", proxy("corporate-proxy", "proxy.corp.test", "api.example.test", api.port()));
            int gatewayPort = g.applyOnFreePort("api.yaml", port -> passthroughVia(port, "api.example.test",
                    "proxy.corp.test"));

            Cli.Result r = curlTls(gatewayPort, "api.example.test");
            assertThat(r.stdout()).as(r + "\nsquid: " + squid.log()).isEqualTo("hello from api\n");
            // The origin saw the app's own TLS, end to end through the tunnel.
            assertThat(api.lastSni()).isEqualTo("api.example.test");
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(squid.accessLog())
                    .contains("TCP_TUNNEL/200").contains("CONNECT api.example.test:" + api.port()));
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("requested_server_name").equals("api.example.test"));
            assertThat(line.get("response_code_details")).isEqualTo("declared");
            assertThat(line.get("upstream_host")).isEqualTo("127.0.0.1:" + squid.port());
        }
    }

    @Test
    void tcpLeavesThroughSquidToARealRedis() throws Exception {
        Cli.requireCommand("redis-cli");
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = gateway()) {
            g.apply("proxy.yaml", proxy("redis-proxy", "proxy-redis.corp.test", "redis.example.test", redis.port()));
            int gatewayPort = g.applyOnFreePort("redis.yaml", port -> """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %1$d, name: tcp-redis, protocol: TCP}
                        hosts: [redis.example.test]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: redis-via-corporate-proxy}
                    spec:
                      hosts: [redis.example.test]
                      gateways: [egress]
                      tcp:
                      - match: [{port: %1$d}]
                        route:
                        - destination: {host: proxy-redis.corp.test, port: {number: %2$d}}
                    """.formatted(port, squid.port()));

            Cli.Result ping = Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(gatewayPort),
                    "SET", "through", "squid");
            assertThat(ping.stdout().trim()).as(ping + "\nsquid: " + squid.log()).isEqualTo("OK");
            Cli.Result get = Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(gatewayPort),
                    "GET", "through");
            assertThat(get.stdout().trim()).isEqualTo("squid");
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(squid.accessLog())
                    .contains("CONNECT redis.example.test:" + redis.port()));
        }
    }

    @Test
    void plainHttpIsOriginatedAsTlsInsideTheTunnel() throws Exception {
        try (RunningGateway g = gateway()) {
            // The entry's endpoint is the proxy: declared like any destination; the tunnel names the origin.
            g.apply("api.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: api}
                    spec:
                      hosts: [api.example.test]
                      ports:
                      - {number: %1$d, name: http-port-for-tls-origination, protocol: HTTP}
                      location: MESH_EXTERNAL
                      resolution: STATIC
                      endpoints:
                      - address: 127.0.0.1
                        ports: {http-port-for-tls-origination: %2$d}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: api}
                    spec:
                      host: api.example.test
                      trafficPolicy:
                        tunnel: {targetHost: api.example.test, targetPort: %1$d}
                        tls: {mode: SIMPLE, caCertificates: %3$s}
                    """.formatted(api.port(), squid.port(), caPem));
            Cli.Result r = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "20", "-x", g.proxyUrl(), "-w", "\\n%{http_code}",
                    "http://api.example.test:" + api.port() + "/via-tunnel");
            assertThat(r.stdout()).as(r + "\nsquid: " + squid.log()).isEqualTo("hello from api\n\n200");
            assertThat(api.lastUri()).isEqualTo("/via-tunnel");
            assertThat(api.lastSni()).isEqualTo("api.example.test");
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(squid.accessLog())
                    .contains("CONNECT api.example.test:" + api.port()));
        }
    }

    @Test
    void squidsRefusalIsAnUpstreamFailureNamingItsStatus() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("proxy.yaml", proxy("deny-proxy", "proxy-deny.corp.test", "forbidden.example.test", 443));
            int gatewayPort = g.applyOnFreePort("api.yaml", port -> passthroughVia(port, "api.example.test",
                    "proxy-deny.corp.test"));

            Cli.Result r = curlTls(gatewayPort, "api.example.test");
            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("requested_server_name").equals("api.example.test"));
            assertThat(line.get("response_flags")).isEqualTo("UF");
            assertThat(line.get("response_code_details")).isEqualTo("upstream_connect_failure");
            assertThat(line.get("upstream_transport_failure_reason"))
                    .contains("proxy proxy-deny.corp.test:" + squid.port())
                    .contains("refused CONNECT forbidden.example.test:443: 403 Forbidden");
            // Allowed by policy, failed on the way out: counted as an upstream failure, not a denial.
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(g.scrape().sum("portcullis_upstream_failures_total",
                    "reason", "upstream_connect_failure")).isEqualTo(1));
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(squid.accessLog()).contains("TCP_DENIED/403")
                    .contains("CONNECT forbidden.example.test:443"));
        }
    }

    @Test
    void aProxyNobodyDeclaredGetsNoConnection() throws Exception {
        try (RunningGateway g = gateway()) {
            // A tunnel through a proxy without a ServiceEntry: default deny holds for the proxy too.
            g.apply("tunnel.yaml", tunnel("undeclared", "undeclared-proxy.corp.test", "only-via-undeclared.example.test",
                    api.port()));
            int gatewayPort = g.applyOnFreePort("api.yaml", port -> passthroughVia(port, "api.example.test",
                    "undeclared-proxy.corp.test"));

            Cli.Result r = curlTls(gatewayPort, "api.example.test");
            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("requested_server_name").equals("api.example.test"));
            assertThat(line.get("response_code_details")).isEqualTo("no_service_entry");
            assertThat(line.get("response_flags")).isEqualTo("NR");
            assertThat(line.get("message")).contains("no ServiceEntry allows undeclared-proxy.corp.test:" + squid.port());
            assertThat(line.get("upstream_host")).isEqualTo("-");
            assertThat(squid.accessLog()).doesNotContain("only-via-undeclared.example.test");
        }
    }
}
