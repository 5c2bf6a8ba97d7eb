package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.RawHttpOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP forwarding through the explicit proxy with real curl and real (or scripted) origins: the
 * keep-alive pool, chunked bodies both ways, 100-continue, close-delimited responses, protocol
 * upgrades, and upstream failures answered as 502/503/504 with their reason.
 */
class HttpForwardingEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static HttpOrigin origin;

    @BeforeAll
    static void start() {
        Cli.requireCommand("curl");
        origin = new HttpOrigin("books");
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    private static String entry(String name, String host, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(name, host, port);
    }

    private static Cli.Result curl(RunningGateway g, String... args) {
        String[] argv = new String[args.length + 8];
        System.arraycopy(new String[] {"curl", "-sS", "--max-time", "20", "-x", g.proxyUrl(), "-w", "\\n%{http_code}"},
                0, argv, 0, 8);
        System.arraycopy(args, 0, argv, 8, args.length);
        return Cli.run(CURL, argv);
    }

    @Test
    void manyClientsAreServedOverFewPooledUpstreamConnections() throws Exception {
        try (RunningGateway g = RunningGateway.start("books.example.test")) {
            g.apply("books.yaml", entry("books", "books.example.test", origin.port()));
            int connectionsBefore = origin.connectionCount();
            int requestsBefore = origin.requestCount();
            String url = "http://books.example.test:" + origin.port() + "/books";
            for (int i = 0; i < 12; i++) {
                // Each curl is a new client connection; three requests each over its keep-alive connection.
                Cli.Result r = curl(g, url, url, url);
                assertThat(r.stdout()).as(r.toString()).isEqualTo("hello from books\n\n200".repeat(3));
            }
            assertThat(origin.requestCount() - requestsBefore).isEqualTo(36);
            // One pool per event loop (the test gateway runs two): 36 requests, at most 2 upstream connections.
            assertThat(origin.connectionCount() - connectionsBefore).isBetween(1, 2);
        }
    }

    @Test
    void eachRequestOfAKeepAliveConnectionHasItsOwnAccessLine() throws Exception {
        try (RunningGateway g = RunningGateway.start("books.example.test", "other.example.test")) {
            g.apply("books.yaml", entry("books", "books.example.test", origin.port()));
            // One curl, one keep-alive connection: an allowed request, then one nothing declares.
            Cli.Result r = curl(g, "http://books.example.test:" + origin.port() + "/a",
                    "http://other.example.test:" + origin.port() + "/b");
            assertThat(r.stdout()).as(r.toString()).startsWith("hello from books\n\n200").endsWith("403");
            EnvoyAccessLine books = g.awaitAccess(l -> l.get("path").equals("/a"));
            EnvoyAccessLine other = g.awaitAccess(l -> l.get("path").equals("/b"));
            assertThat(books.get("downstream_remote_address")).isEqualTo(other.get("downstream_remote_address"));
            assertThat(books.fields()).containsEntry("method", "GET").containsEntry("response_code", "200")
                    .containsEntry("response_flags", "-").containsEntry("response_code_details", "declared")
                    .containsEntry("authority", "books.example.test:" + origin.port())
                    .containsEntry("upstream_cluster", "outbound|" + origin.port() + "||books.example.test")
                    .containsEntry("route_name", "ServiceEntry/default/books");
            assertThat(other.fields()).containsEntry("method", "GET").containsEntry("response_code", "403")
                    .containsEntry("response_flags", "NR").containsEntry("response_code_details", "no_service_entry")
                    .containsEntry("authority", "other.example.test:" + origin.port())
                    .containsEntry("upstream_cluster", "BlackHoleCluster").containsEntry("upstream_host", "-");
            assertThat(books.number("bytes_sent")).isGreaterThan(0);
            // Each exchange is counted with its own labels, and the connection is not logged a third time.
            PrometheusScrape s = g.scrape();
            assertThat(s.sum("istio_requests_total", "destination_service", "books.example.test", "response_code", "200"))
                    .isEqualTo(1);
            assertThat(s.sum("istio_requests_total", "destination_service", "other.example.test", "response_code", "403"))
                    .isEqualTo(1);
            assertThat(g.accessLines()).hasSize(2);
        }
    }

    @Test
    void chunkedUploadsAnd100ContinueAreForwarded() throws Exception {
        try (RunningGateway g = RunningGateway.start("books.example.test")) {
            g.apply("books.yaml", entry("books", "books.example.test", origin.port()));
            Path body = tmp.resolve("body.bin");
            Files.write(body, new byte[700 * 1024 + 7]);
            Cli.Result chunked = Cli.run(CURL, "curl", "-sS", "-v", "--max-time", "20", "-x", g.proxyUrl(), "-w", "\\n%{http_code}",
                    "-H", "Transfer-Encoding: chunked", "-H", "Expect: 100-continue", "--data-binary", "@" + body,
                    "http://books.example.test:" + origin.port() + "/upload");
            assertThat(chunked.stdout()).as(chunked.toString()).isEqualTo("hello from books\n\n200");
            // The gateway never answers 100 itself: this one is the origin's (its aggregator's), passed through.
            assertThat(chunked.stderr()).contains("< HTTP/1.1 100 Continue");
            assertThat(origin.lastBodyLength()).isEqualTo(700 * 1024 + 7);
        }
    }

    @Test
    void responsesGoOutInTheGatewaysOwnVersionFramedForTheClient() throws Exception {
        try (RawHttpOrigin old = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                     "HTTP/1.0 200 OK\r\n\r\nfrom an old server"));
             RawHttpOrigin chunked = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n6\r\nchunks\r\n0\r\n\r\n"));
             RunningGateway g = RunningGateway.start("old.example.test", "chunked.example.test", "books.example.test")) {
            g.apply("raw.yaml", entry("old", "old.example.test", old.port()) + "---\n"
                    + entry("chunked", "chunked.example.test", chunked.port()) + "---\n"
                    + entry("books", "books.example.test", origin.port()));
            // An HTTP/1.0 upstream's answer goes to an HTTP/1.1 client as HTTP/1.1, re-framed, the connection kept.
            Cli.Result a = curl(g, "-v", "http://old.example.test:" + old.port() + "/",
                    "http://old.example.test:" + old.port() + "/");
            assertThat(a.stdout()).as(a.toString()).isEqualTo("from an old server\n200from an old server\n200");
            assertThat(a.stderr()).contains("< HTTP/1.1 200").doesNotContain("< HTTP/1.0")
                    .containsIgnoringCase("< transfer-encoding: chunked");
            // An HTTP/1.0 client never sees chunked framing: the body as it is, ended by closing.
            Cli.Result b = curl(g, "-v", "--http1.0", "-H", "Connection: keep-alive",
                    "http://chunked.example.test:" + chunked.port() + "/");
            assertThat(b.stdout()).as(b.toString()).isEqualTo("hello chunks\n200");
            assertThat(b.stderr()).contains("< HTTP/1.1 200").doesNotContainIgnoringCase("transfer-encoding")
                    .containsIgnoringCase("< connection: close");
            // An HTTP/1.0 client that asks to keep the connection keeps it when the body has a length.
            String books = "http://books.example.test:" + origin.port() + "/";
            Cli.Result c = curl(g, "-v", "--http1.0", "-H", "Connection: keep-alive", books, books);
            assertThat(c.stdout()).as(c.toString()).isEqualTo("hello from books\n\n200".repeat(2));
            assertThat(c.stderr()).containsIgnoringCase("< connection: keep-alive")
                    .doesNotContainIgnoringCase("connection: close").contains("Re-using existing connection");
        }
    }

    @Test
    void http2WithPriorKnowledgeIsAClear505OnAPlainHttpGatewayServer() throws Exception {
        try (RunningGateway g = RunningGateway.start("books.example.test")) {
            int gatewayPort = g.applyOnFreePort("books.yaml", port -> entry("books", "books.example.test", origin.port())
                    + """
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: http, protocol: HTTP}
                        hosts: [books.example.test]
                    """.formatted(port));
            Cli.Result curl = Cli.run(CURL, "curl", "-sS", "-v", "--max-time", "20", "--http2-prior-knowledge",
                    "-H", "Host: books.example.test", "http://127.0.0.1:" + gatewayPort + "/");
            assertThat(curl.exitCode()).as(curl.toString()).isNotZero();
            // What curl read: the HTTP/2 connection preface answered in HTTP/1.1, 505, with the reason.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gatewayPort)) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String head = RawHttpOrigin.readHead(s.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 505 HTTP Version Not Supported")
                        .containsIgnoringCase("x-portcullis-reason: unsupported_http_version")
                        .doesNotContain("Host header");
            }
            EnvoyAccessLine line = g.awaitAccess(l -> l.listenerPort() == gatewayPort
                    && l.get("response_code_details").equals("unsupported_http_version"));
            assertThat(line.fields()).containsEntry("response_code", "505").containsEntry("response_flags", "DPE")
                    .containsEntry("method", "PRI");
        }
    }

    @Test
    void aChunkedRequestReachesTheUpstreamChunked() throws Exception {
        try (RawHttpOrigin upstream = new RawHttpOrigin((head, in, out) -> {
                StringBuilder body = new StringBuilder();
                for (int b; !body.toString().endsWith("0\r\n\r\n") && (b = in.read()) >= 0; ) {
                    body.append((char) b);
                }
                RawHttpOrigin.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
             });
             RunningGateway g = RunningGateway.start("upload.example.test")) {
            g.apply("upload.yaml", entry("upload", "upload.example.test", upstream.port()));
            Cli.Result r = curl(g, "-H", "Transfer-Encoding: chunked", "--data-binary", "hello",
                    "http://upload.example.test:" + upstream.port() + "/");
            assertThat(r.stdout()).isEqualTo("5\r\nhello\r\n0\r\n\r\n\n200");
            assertThat(upstream.heads().get(0)).startsWith("POST / HTTP/1.1\r\n")
                    .containsIgnoringCase("transfer-encoding: chunked").doesNotContainIgnoringCase("proxy-connection");
        }
    }

    @Test
    void chunkedAndCloseDelimitedResponsesReachTheClientWhole() throws Exception {
        try (RawHttpOrigin chunked = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                             + "6\r\nhello \r\n6\r\nchunks\r\n0\r\nX-Trailer: yes\r\n\r\n"));
             RawHttpOrigin closeDelimited = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                     "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"));
             RunningGateway g = RunningGateway.start("chunked.example.test", "legacy.example.test")) {
            g.apply("raw.yaml", entry("chunked", "chunked.example.test", chunked.port()) + "---\n"
                    + entry("legacy", "legacy.example.test", closeDelimited.port()));
            Cli.Result a = curl(g, "http://chunked.example.test:" + chunked.port() + "/");
            assertThat(a.stdout()).isEqualTo("hello chunks\n200");
            // A body delimited by the upstream closing is re-framed (chunked) for a keep-alive client.
            Cli.Result b = curl(g, "-v", "http://legacy.example.test:" + closeDelimited.port() + "/",
                    "http://legacy.example.test:" + closeDelimited.port() + "/");
            assertThat(b.stdout()).isEqualTo("until the end\n200until the end\n200");
            assertThat(b.stderr()).containsIgnoringCase("< Transfer-Encoding: chunked").doesNotContainIgnoringCase("Connection: close");
            assertThat(closeDelimited.connectionCount()).isEqualTo(2);
        }
    }

    @Test
    void anUpgradeTurnsBothConnectionsIntoAByteRelay() throws Exception {
        try (RawHttpOrigin echo = new RawHttpOrigin((head, in, out) -> {
                RawHttpOrigin.write(out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
                byte[] buf = new byte[1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(new StringBuilder(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).reverse().toString()
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
             });
             RunningGateway g = RunningGateway.start("echo.example.test")) {
            g.apply("echo.yaml", entry("echo", "echo.example.test", echo.port()));
            // A connection keeps the configuration it was accepted under: connect after applying.
            Socket s = new Socket(InetAddress.getLoopbackAddress(), g.proxyPort());
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET http://echo.example.test:" + echo.port() + "/ws HTTP/1.1\r\nHost: echo.example.test:" + echo.port()
                    + "\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = RawHttpOrigin.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols").containsIgnoringCase("upgrade: echo");
            assertThat(echo.heads().get(0)).startsWith("GET /ws HTTP/1.1").containsIgnoringCase("Upgrade: echo");
            out.write("abc".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = in.readNBytes(3);
            assertThat(new String(answer, StandardCharsets.US_ASCII)).isEqualTo("cba");
            s.close();
            // The upgrade is logged and counted as the 101 it was, in one line for the whole tunnel.
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("path").equals("/ws"));
            assertThat(line.get("response_code")).isEqualTo("101");
            assertThat(line.number("bytes_received")).isGreaterThanOrEqualTo(3);
            assertThat(g.scrape().sum("istio_requests_total", "response_code", "101")).isEqualTo(1);
        }
    }

    @Test
    void aStaleKeepAliveConnectionIsRetriedNotReported() throws Exception {
        // Answers one request per connection, then closes without saying so (as servers with short keep-alive timeouts do).
        try (RawHttpOrigin quitter = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"));
             RunningGateway g = RunningGateway.start("quitter.example.test")) {
            g.apply("quitter.yaml", entry("quitter", "quitter.example.test", quitter.port()));
            String url = "http://quitter.example.test:" + quitter.port() + "/";
            for (int i = 0; i < 6; i++) {
                assertThat(curl(g, url).stdout()).isEqualTo("ok\n\n200");
            }
        }
    }

    @Test
    void upstreamFailuresAre502503And504WithTheirReason() throws Exception {
        ProxySettings quickIdle = new ProxySettings(InetAddress.getLoopbackAddress(), 64 * 1024, 16 * 1024,
                Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(5));
        // Port 1 (tcpmux) is reserved and never listened on: refused, without a pick another process could take.
        int closedPort = 1;
        try (RawHttpOrigin silent = new RawHttpOrigin((head, in, out) -> in.read());
             RawHttpOrigin garbage = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out, "SSH-2.0-OpenSSH\r\n\r\n"));
             RawHttpOrigin hangUp = new RawHttpOrigin((head, in, out) -> { });
             RunningGateway g = RunningGateway.start(RunningGateway.Options.defaults().withSettings(quickIdle)
                     .withHost("silent.example.test", "127.0.0.1").withHost("garbage.example.test", "127.0.0.1")
                     .withHost("hangup.example.test", "127.0.0.1").withHost("closed.example.test", "127.0.0.1"))) {
            g.apply("failures.yaml", entry("silent", "silent.example.test", silent.port()) + "---\n"
                    + entry("garbage", "garbage.example.test", garbage.port()) + "---\n"
                    + entry("hangup", "hangup.example.test", hangUp.port()) + "---\n"
                    + entry("closed", "closed.example.test", closedPort) + "---\n"
                    + entry("nowhere", "nowhere.invalid", 80));

            assertThat(curl(g, "http://closed.example.test:" + closedPort + "/").stdout())
                    .startsWith("upstream_connect_failure: connect to 127.0.0.1:" + closedPort + " failed").endsWith("503");
            assertThat(curl(g, "http://silent.example.test:" + silent.port() + "/").stdout())
                    .startsWith("upstream_timeout: no response from upstream silent.example.test:" + silent.port())
                    .endsWith("504");
            assertThat(curl(g, "http://garbage.example.test:" + garbage.port() + "/").stdout())
                    .startsWith("bad_upstream_response: upstream garbage.example.test:" + garbage.port()
                            + " sent an invalid response").endsWith("502");
            assertThat(curl(g, "http://hangup.example.test:" + hangUp.port() + "/").stdout())
                    .startsWith("upstream_reset: upstream hangup.example.test:" + hangUp.port()
                            + " closed the connection before answering").endsWith("502");
            assertThat(curl(g, "http://nowhere.invalid/").stdout()).startsWith("dns_failure: cannot resolve nowhere.invalid")
                    .endsWith("502");
        }
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer() throws Exception {
        try (RunningGateway g = RunningGateway.start("books.example.test")) {
            g.apply("books.yaml", entry("books", "books.example.test", origin.port()));
            Socket s = new Socket(InetAddress.getLoopbackAddress(), g.proxyPort());
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET http://books.example.test:" + origin.port() + "/ HTTP/1.1\r\nHost: books.example.test:"
                    + origin.port() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).as(() -> g.accessLines().toString()).startsWith("HTTP/1.1 200 OK").endsWith("hello from books\n");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("authority").startsWith("books.example.test"));
            assertThat(line.get("response_code")).isEqualTo("200");
            assertThat(line.get("method")).isEqualTo("GET");
            s.close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
