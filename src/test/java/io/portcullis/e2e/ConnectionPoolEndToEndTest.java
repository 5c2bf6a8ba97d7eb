package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EchoOrigin;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.RawHttpOrigin;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code DestinationRule trafficPolicy.connectionPool} with real clients against real origins:
 * {@code tcp.maxConnections} closes a TCP connection over the limit (flag UO) and queues HTTP
 * requests up to {@code http.http1MaxPendingRequests} (then 503 UO); {@code tcp.tcpKeepalive}
 * arms the kernel's keepalive timer; {@code http.maxRequestsPerConnection} and
 * {@code http.idleTimeout} bound pooled upstream connections.
 */
class ConnectionPoolEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static String echoThroughTcpGateway(int gatewayPort, int echoPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [echo.example.test]
                  addresses: [127.0.0.1]
                  ports:
                  - {number: %2$d, name: tcp-echo, protocol: TCP}
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo-limits}
                spec:
                  host: echo.example.test
                  trafficPolicy:
                    connectionPool:
                      tcp:
                        maxConnections: 1
                        tcpKeepalive: {time: 40s, interval: 5s, probes: 3}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tcp-echo, protocol: TCP}
                    hosts: [echo.example.test]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo}
                spec:
                  hosts: [echo.example.test]
                  gateways: [egress]
                  tcp:
                  - match: [{port: %1$d}]
                    route:
                    - destination: {host: echo.example.test, port: {number: %2$d}}
                """.formatted(gatewayPort, echoPort);
    }

    private static String echoOnce(Socket s, String text) throws Exception {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        byte[] back = s.getInputStream().readNBytes(text.length());
        return new String(back, StandardCharsets.US_ASCII);
    }

    @Test
    void tcpOverTheConnectionLimitIsClosedWithUoAndTheKeepaliveTimerIsArmed() throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = RunningGateway.start()) {
            int gatewayPort = g.applyOnFreePort("echo.yaml", port -> echoThroughTcpGateway(port, echo.port()));
            try (Socket first = new Socket()) {
                first.connect(new InetSocketAddress("127.0.0.1", gatewayPort), 10_000);
                first.setSoTimeout(20_000);
                assertThat(echoOnce(first, "one\n")).isEqualTo("one\n");

                // The gateway's connection to the origin carries SO_KEEPALIVE with the rule's idle time.
                Cli.Result ss = Cli.run(TIMEOUT, "ss", "-tno", "state", "established", "dport", "=", ":" + echo.port());
                assertThat(ss.stdout()).as(ss.toString()).contains("timer:(keepalive,");

                try (Socket second = new Socket()) {
                    second.connect(new InetSocketAddress("127.0.0.1", gatewayPort), 10_000);
                    second.setSoTimeout(20_000);
                    assertThat(second.getInputStream().read()).as("closed: the one connection allowed is in use")
                            .isEqualTo(-1);
                }
                EnvoyAccessLine line = g.awaitAccess(l -> l.get("response_flags").equals("UO"));
                assertThat(line.get("response_code_details")).isEqualTo("upstream_overflow");
                assertThat(line.get("upstream_transport_failure_reason")).isEqualTo("DestinationRule/default/echo-limits"
                        + " connectionPool.tcp.maxConnections: 1 connection to echo.example.test:" + echo.port()
                        + " already open");
                assertThat(echo.accepted()).isEqualTo(1);
                // Still served: the first connection is untouched.
                assertThat(echoOnce(first, "two\n")).isEqualTo("two\n");
            }
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(echo.open()).isZero());
            // Counted as an upstream failure, not a denial.
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(g.scrape().sum("portcullis_upstream_failures_total",
                    "reason", "upstream_overflow")).isEqualTo(1));
            // The slot is free again once the first connection has closed.
            await().atMost(TIMEOUT).untilAsserted(() -> {
                try (Socket third = new Socket()) {
                    third.connect(new InetSocketAddress("127.0.0.1", gatewayPort), 10_000);
                    third.setSoTimeout(5_000);
                    assertThat(echoOnce(third, "three\n")).isEqualTo("three\n");
                }
            });
        }
    }

    private static String connect(Socket s, String authority) throws Exception {
        s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return RawHttpOrigin.readHead(s.getInputStream());
    }

    @Test
    void aConnectOverTheLimitIsAnswered503Uo() throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = RunningGateway.start("echo.example.test")) {
            g.apply("echo.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: echo}
                    spec:
                      hosts: [echo.example.test]
                      ports: [{number: %1$d, name: tcp-echo, protocol: TCP}]
                      resolution: DNS
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: echo}
                    spec:
                      host: echo.example.test
                      trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
                    """.formatted(echo.port()));
            String authority = "echo.example.test:" + echo.port();
            try (Socket first = new Socket(); Socket second = new Socket()) {
                first.connect(new InetSocketAddress("127.0.0.1", g.proxyPort()), 10_000);
                first.setSoTimeout(20_000);
                assertThat(connect(first, authority)).startsWith("HTTP/1.1 200");
                assertThat(echoOnce(first, "one\n")).isEqualTo("one\n");
                second.connect(new InetSocketAddress("127.0.0.1", g.proxyPort()), 10_000);
                second.setSoTimeout(20_000);
                assertThat(connect(second, authority)).startsWith("HTTP/1.1 503 Service Unavailable (upstream_overflow)");
            }
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("response_flags").equals("UO"));
            assertThat(line.get("method")).isEqualTo("CONNECT");
            assertThat(line.get("response_code")).isEqualTo("503");
        }
    }

    private static String httpEntry(String name, int port, String pool) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s}
                spec:
                  hosts: [%1$s.example.test]
                  ports:
                  - {number: %2$d, name: http, protocol: HTTP}
                  location: MESH_EXTERNAL
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s}
                spec:
                  host: %1$s.example.test
                  trafficPolicy:
                    portLevelSettings:
                    - port: {number: %2$d}
                      connectionPool: %3$s
                """.formatted(name, port, pool);
    }

    /** An origin that answers keep-alive requests; {@code /hold} waits for {@code held} first. */
    private static RawHttpOrigin keepAliveOrigin(CountDownLatch held, AtomicInteger concurrent, AtomicInteger peak,
                                                 AtomicInteger closedByPeer) {
        return new RawHttpOrigin((head, in, out) -> {
            int now = concurrent.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            try {
                for (String h = head; h != null; h = RawHttpOrigin.readHead(in)) {
                    if (h.startsWith("GET /hold ")) {
                        try {
                            held.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    RawHttpOrigin.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
                }
                closedByPeer.incrementAndGet();
            } finally {
                concurrent.decrementAndGet();
            }
        });
    }

    private static CompletableFuture<Cli.Result> curlAsync(RunningGateway g, String url) {
        return CompletableFuture.supplyAsync(() -> Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "25", "-x",
                g.proxyUrl(), "-w", "\\n%{http_code}", url));
    }

    @Test
    void httpRequestsWaitForTheOneConnectionUpToThePendingLimitThen503Uo() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        try (RawHttpOrigin origin = keepAliveOrigin(held, concurrent, peak, new AtomicInteger());
             RunningGateway g = RunningGateway.start("api.example.test")) {
            g.apply("api.yaml", httpEntry("api", origin.port(),
                    "{tcp: {maxConnections: 1}, http: {http1MaxPendingRequests: 1}}"));
            String base = "http://api.example.test:" + origin.port();
            CompletableFuture<Cli.Result> holding = curlAsync(g, base + "/hold");
            await().atMost(TIMEOUT).until(() -> origin.heads().size() == 1);

            // One of these waits for the connection; the other finds the waiting line full.
            CompletableFuture<Cli.Result> b = curlAsync(g, base + "/b");
            CompletableFuture<Cli.Result> c = curlAsync(g, base + "/c");
            CompletableFuture<Object> firstDone = CompletableFuture.anyOf(b, c);
            Cli.Result overflowed = (Cli.Result) firstDone.get(30, TimeUnit.SECONDS);
            assertThat(overflowed.stdout()).as(overflowed.toString()).endsWith("503");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("response_flags").equals("UO"));
            assertThat(line.get("response_code")).isEqualTo("503");
            assertThat(line.get("response_code_details")).isEqualTo("upstream_overflow");
            assertThat(line.get("upstream_transport_failure_reason")).isEqualTo("DestinationRule/default/api"
                    + " connectionPool.tcp.maxConnections: 1 to api.example.test:" + origin.port()
                    + " open, and http.http1MaxPendingRequests: 1 request already waiting");

            held.countDown();
            assertThat(holding.get(30, TimeUnit.SECONDS).stdout()).isEqualTo("ok\n\n200");
            Cli.Result waited = (b.get(30, TimeUnit.SECONDS) == overflowed ? c : b).get(30, TimeUnit.SECONDS);
            assertThat(waited.stdout()).as(waited.toString()).isEqualTo("ok\n\n200");
            // The holding request's connection was closed for the waiting one (a waiter exists), not pooled:
            // two connections, one after the other. (When the origin's threads notice the close and the next
            // accept races, so the overlap is not measured from the origin's side.)
            assertThat(origin.connectionCount()).isEqualTo(2);
            assertThat(origin.heads()).hasSize(2);
            assertThat(peak.get()).isBetween(1, 2);
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(g.scrape().sum("portcullis_upstream_failures_total",
                    "reason", "upstream_overflow")).isEqualTo(1));
        }
    }

    @Test
    void maxRequestsPerConnectionAndIdleTimeoutBoundPooledConnections() throws Exception {
        CountDownLatch none = new CountDownLatch(0);
        AtomicInteger closedByGateway = new AtomicInteger();
        try (RawHttpOrigin origin = keepAliveOrigin(none, new AtomicInteger(), new AtomicInteger(), closedByGateway);
             RunningGateway g = RunningGateway.start("api.example.test")) {
            g.apply("api.yaml", httpEntry("api", origin.port(),
                    "{http: {maxRequestsPerConnection: 2, idleTimeout: 1s}}"));
            String base = "http://api.example.test:" + origin.port();
            // One curl, one client connection, five requests: a new upstream connection every two.
            Cli.Result r = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "25", "-x", g.proxyUrl(),
                    base + "/1", base + "/2", base + "/3", base + "/4", base + "/5");
            assertThat(r.stdout()).as(r.toString()).isEqualTo("ok\n".repeat(5));
            assertThat(origin.connectionCount()).isEqualTo(3);
            // The last connection, idle, is closed after the rule's idleTimeout (the default keeps it 30 s).
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(closedByGateway.get()).isEqualTo(3));
        }
    }

    @Test
    void connectTimeoutOfTheRuleReplacesTheGatewaysOwn() throws Exception {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs.
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
             RunningGateway g = RunningGateway.start("slow.example.test")) {
            List<Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 300);
                    } catch (java.io.IOException queueFull) {
                        // Expected once the queue is full.
                    }
                    fillers.add(s);
                }
                g.apply("slow.yaml", httpEntry("slow", full.getLocalPort(), "{tcp: {connectTimeout: 300ms}}"));
                Cli.Result r = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "25", "-x", g.proxyUrl(), "-w", "%{http_code}",
                        "-o", "/dev/null", "http://slow.example.test:" + full.getLocalPort() + "/");
                assertThat(r.stdout()).as(r.toString()).isEqualTo("504");
                EnvoyAccessLine line = g.awaitAccess(l -> l.get("response_flags").equals("UT"));
                assertThat(line.get("upstream_transport_failure_reason")).isEqualTo("connect to 127.0.0.1:"
                        + full.getLocalPort() + " timed out after 300 ms");
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aDestinationWithoutARuleKeepsTheDefaults() throws Exception {
        AtomicInteger closedByGateway = new AtomicInteger();
        try (RawHttpOrigin origin = keepAliveOrigin(new CountDownLatch(0), new AtomicInteger(), new AtomicInteger(),
                closedByGateway); RunningGateway g = RunningGateway.start("plain.example.test")) {
            g.apply("plain.yaml", httpEntry("plain", origin.port(), "{tcp: {maxConnections: 100}}")
                    .replace("host: plain.example.test", "host: other.example.test"));
            String base = "http://plain.example.test:" + origin.port();
            Cli.Result r = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "25", "-x", g.proxyUrl(),
                    base + "/1", base + "/2", base + "/3");
            assertThat(r.stdout()).as(r.toString()).isEqualTo("ok\n".repeat(3));
            assertThat(origin.connectionCount()).isEqualTo(1);
            assertThat(closedByGateway.get()).as("the pooled connection stays (30 s idle timeout)").isZero();
        }
    }
}
