package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.TestCa;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /stats/prometheus} after real traffic: Istio's names and labels, and Portcullis's own counters. */
class MetricsEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static Path caPem;
    static HttpsOrigin https;
    static HttpOrigin http;

    @BeforeAll
    static void origins() {
        Cli.requireCommand("curl");
        TestCa ca = TestCa.create("portcullis test ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        https = new HttpsOrigin("googleapis", ca.issueServer("www.googleapis.com", "fcm.googleapis.com"));
        http = new HttpOrigin("books");
    }

    @AfterAll
    static void stop() {
        https.close();
        http.close();
    }

    private static String entries() {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: googleapis}
                spec:
                  hosts: ["*.googleapis.com"]
                  ports: [{number: %d, name: https, protocol: HTTPS}]
                  resolution: NONE
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: books}
                spec:
                  hosts: [books.example.test]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(https.port(), http.port());
    }

    private static String[] istio(String service, int port) {
        return new String[] {"reporter", "source", "source_principal", "unknown", "destination_service", service,
            "destination_service_name", service, "destination_port", String.valueOf(port),
            "connection_security_policy", "none"};
    }

    private static String[] with(String[] base, String... more) {
        String[] out = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
    }

    @Test
    void istioMetricsCountRealConnectionsAndRequests() throws Exception {
        try (RunningGateway g = RunningGateway.start("www.googleapis.com", "fcm.googleapis.com", "books.example.test",
                "api.other.test")) {
            g.apply("entries.yaml", entries());
            for (String host : List.of("www.googleapis.com", "fcm.googleapis.com")) {
                Cli.Result r = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "--cacert", caPem.toString(),
                        "-x", g.proxyUrl(), "https://" + host + ":" + https.port() + "/");
                assertThat(r.exitCode()).as(r.toString()).isZero();
            }
            String url = "http://books.example.test:" + http.port() + "/books";
            assertThat(Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "-x", g.proxyUrl(), url, url).exitCode()).isZero();
            Cli.Result denied = Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "-x", g.proxyUrl(),
                    "https://api.other.test:443/");
            assertThat(denied.exitCode()).isNotZero();

            // Every connection has closed and been logged (the books connection's two requests in a line each):
            // then the numbers must add up exactly.
            await().atMost(TIMEOUT).untilAsserted(() -> {
                assertThat(g.accessLines()).hasSize(5);
                assertThat(g.scrape().sum("portcullis_open_connections")).isZero();
            });
            List<EnvoyAccessLine> lines = g.accessLines().stream().map(EnvoyAccessLine::parse).toList();
            PrometheusScrape s = g.scrape();
            assertThat(s.contentType()).startsWith("text/plain; version=0.0.4");

            String[] google = istio("*.googleapis.com", https.port());
            assertThat(s.sum("istio_tcp_connections_opened_total", with(google, "response_flags", "-"))).isEqualTo(2);
            assertThat(s.sum("istio_tcp_connections_closed_total", with(google, "response_flags", "-"))).isEqualTo(2);
            long fromClients = lines.stream().filter(l -> l.get("upstream_cluster").contains("googleapis"))
                    .mapToLong(l -> l.number("bytes_received")).sum();
            long toClients = lines.stream().filter(l -> l.get("upstream_cluster").contains("googleapis"))
                    .mapToLong(l -> l.number("bytes_sent")).sum();
            assertThat(fromClients).isPositive();
            assertThat(s.sum("istio_tcp_received_bytes_total", google)).isEqualTo(fromClients);
            assertThat(s.sum("istio_tcp_sent_bytes_total", google)).isEqualTo(toClients);
            assertThat(s.sum("istio_requests_total", with(google, "response_code", "200", "request_protocol", "http")))
                    .isEqualTo(2);

            String[] books = istio("books.example.test", http.port());
            assertThat(s.sum("istio_requests_total", with(books, "response_code", "200"))).isEqualTo(2);
            assertThat(s.sum("istio_request_duration_milliseconds_count", with(books, "response_code", "200"))).isEqualTo(2);
            assertThat(s.sum("istio_request_duration_milliseconds_bucket", with(books, "response_code", "200", "le", "+Inf")))
                    .isEqualTo(2);
            assertThat(s.sum("istio_tcp_connections_opened_total", books)).isEqualTo(1);

            assertThat(s.sum("istio_requests_total", "destination_service", "api.other.test",
                    "destination_service_name", "BlackHoleCluster", "response_code", "403", "response_flags", "NR"))
                    .isEqualTo(1);
            assertThat(s.sum("istio_tcp_connections_opened_total", "destination_service_name", "BlackHoleCluster"))
                    .isEqualTo(1);
            assertThat(s.sum("portcullis_denied_connections_total", "reason", "no_service_entry", "destination",
                    "api.other.test")).isEqualTo(1);
            assertThat(s.sum("portcullis_open_connections")).isZero();
            // resolution NONE and DNS resolve per connection: the hosts file answers.
            assertThat(s.sum("portcullis_dns_lookups_total")).isEqualTo(3);
            assertThat(s.sum("portcullis_dns_failures_total")).isZero();
            assertThat(s.sum("portcullis_handshake_duration_seconds_count", "phase", "downstream")).isEqualTo(3);
            assertThat(s.sum("portcullis_handshake_duration_seconds_count", "phase", "tcp_connect")).isEqualTo(3);
            assertThat(s.sum("portcullis_config_reloads_total")).isEqualTo(2);
            assertThat(s.samples()).anyMatch(x -> x.name().startsWith("jvm_memory"));
        }
    }

    @Test
    void configRejectionsAndDnsFailuresAreCounted() throws Exception {
        try (RunningGateway g = RunningGateway.start(OutboundPolicy.ALLOW_ANY,
                ProxySettings.defaults(InetAddress.getLoopbackAddress()))) {
            long before = g.gateway.generation();
            g.config.write("bad.yaml", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: x}\n"
                    + "spec: {hosts: [a.test], ports: [{number: 99999, name: p, protocol: TCP}]}\n");
            await().atMost(TIMEOUT).until(() -> g.scrape().sum("portcullis_config_rejections_total") == 1);
            assertThat(g.gateway.generation()).isEqualTo(before);

            // ALLOW_ANY lets an undeclared name out; "invalid." names never resolve (RFC 6761).
            String answer = connect(g.proxyPort(), "nowhere.invalid:443");
            assertThat(answer).startsWith("HTTP/1.1 502");
            await().atMost(TIMEOUT).untilAsserted(() -> {
                PrometheusScrape s = g.scrape();
                assertThat(s.sum("portcullis_dns_failures_total")).isEqualTo(1);
                assertThat(s.sum("portcullis_upstream_failures_total", "reason", "dns_failure", "destination",
                        "nowhere.invalid")).isEqualTo(1);
                assertThat(s.sum("istio_tcp_connections_closed_total", "destination_service_name", "PassthroughCluster",
                        "response_flags", "DF")).isEqualTo(1);
                assertThat(s.sum("portcullis_denied_connections_total")).isZero();
            });
        }
    }

    @Test
    void undeclaredDestinationsCollapseToOtherBeyondTheLabelBudget() throws Exception {
        try (RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getLoopbackAddress()), AccessLogFormat.TEXT, 2)) {
            for (String host : List.of("a.test", "b.test", "c.test", "d.test", "a.test")) {
                assertThat(connect(g.proxyPort(), host + ":443")).startsWith("HTTP/1.1 403");
            }
            await().atMost(TIMEOUT).untilAsserted(() -> {
                PrometheusScrape s = g.scrape();
                String denied = "portcullis_denied_connections_total";
                assertThat(s.sum(denied, "destination", "a.test")).isEqualTo(2);
                assertThat(s.sum(denied, "destination", "b.test")).isEqualTo(1);
                assertThat(s.sum(denied, "destination", "other")).isEqualTo(2);
                assertThat(s.matching(denied)).hasSize(3);
                assertThat(s.sum("portcullis_label_overflows_total", "label", "destination")).isPositive();
                assertThat(s.matching("istio_tcp_connections_closed_total").stream()
                        .map(x -> x.labels().get("destination_service")).distinct()).containsExactlyInAnyOrder(
                                "a.test", "b.test", "other");
            });
            // The access log is not bounded: it names every destination.
            assertThat(g.awaitAccess(l -> l.get("authority").equals("d.test:443")).get("response_code")).isEqualTo("403");
        }
    }

    /** A raw CONNECT; returns what the proxy answered. */
    static String connect(int proxyPort, String authority) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
