package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.ClientAuth;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.TestCa;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule TLS origination end to end: curl sends plain HTTP (the article's
 * {@code http://host:443} pattern) through the explicit proxy or a plain-HTTP Gateway server; a
 * real HTTPS origin with a BouncyCastle-made CA receives TLS with the right SNI; every
 * verification failure is a 502 whose reason and body say what failed, and nothing reaches the
 * origin in plain text.
 */
class TlsOriginationEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static TestCa ca;
    static Path caPem;
    static Path clientCert;
    static Path clientKey;
    static HttpsOrigin books;
    static HttpsOrigin wrongName;
    static HttpsOrigin expired;
    static HttpsOrigin untrusted;
    static HttpsOrigin mutual;

    @BeforeAll
    static void origins() {
        Cli.requireCommand("curl");
        ca = TestCa.create("portcullis origination ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        TestCa.Leaf client = ca.issueClient("spiffe://portcullis.test/ns/egress/sa/gateway");
        clientCert = client.writeCertChainPem(tmp.resolve("client.pem"));
        clientKey = client.writeKeyPem(tmp.resolve("client-key.pem"));
        books = new HttpsOrigin("books", ca.issueServer("books.example.test", "alt.example.test"));
        wrongName = new HttpsOrigin("wrong-name", ca.issueServer("www.elsewhere.test"));
        expired = new HttpsOrigin("expired", ca.issueServer(Duration.ofDays(-3), Duration.ofDays(1), "expired.example.test"));
        untrusted = new HttpsOrigin("untrusted", TestCa.create("someone else's ca").issueServer("untrusted.example.test"));
        try {
            mutual = new HttpsOrigin("mutual", ca.nettyServer(ca.issueServer("mutual.example.test"))
                    .clientAuth(ClientAuth.REQUIRE).build());
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        for (HttpsOrigin o : new HttpsOrigin[] {books, wrongName, expired, untrusted, mutual}) {
            o.close();
        }
    }

    private static RunningGateway gateway() throws Exception {
        return RunningGateway.start("books.example.test", "wrong-name.example.test", "expired.example.test",
                "untrusted.example.test", "mutual.example.test");
    }

    /** A ServiceEntry declaring {@code host} on the origin's port as plain HTTP, and a DestinationRule originating TLS. */
    private static String originate(String name, String host, int port, String tls) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s}
                spec:
                  hosts: [%2$s]
                  ports:
                  - {number: %3$d, name: http-port-for-tls-origination, protocol: HTTP}
                  location: MESH_EXTERNAL
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s}
                spec:
                  host: %2$s
                  trafficPolicy:
                    portLevelSettings:
                    - port: {number: %3$d}
                      tls: %4$s
                """.formatted(name, host, port, tls);
    }

    private static String simple() {
        return "{mode: SIMPLE, caCertificates: " + caPem + "}";
    }

    private static Cli.Result curl(RunningGateway g, String url) {
        return Cli.run(CURL, "curl", "-sS", "--max-time", "20", "-x", g.proxyUrl(), "-w", "\\n%{http_code}", url);
    }

    @Test
    void plainHttpThroughTheProxyLeavesAsVerifiedTlsWithTheRightSni() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("books.yaml", originate("books", "books.example.test", books.port(), simple()));
            int before = books.connectionCount();
            for (int i = 0; i < 5; i++) {
                Cli.Result r = curl(g, "http://books.example.test:" + books.port() + "/books?id=" + i);
                assertThat(r.stdout()).as(r.toString()).isEqualTo("hello from books\n\n200");
            }
            assertThat(books.lastSni()).isEqualTo("books.example.test");
            assertThat(books.lastUri()).isEqualTo("/books?id=4");
            assertThat(books.lastHost()).isEqualTo("books.example.test:" + books.port());
            // Five curl processes, two event loops: the pool keeps at most one TLS connection per loop.
            assertThat(books.connectionCount() - before).isBetween(1, 2);
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("authority").equals("books.example.test:" + books.port()));
            assertThat(line.get("response_code_details")).isEqualTo("declared");
            assertThat(line.get("route_name")).isEqualTo("ServiceEntry/default/books");
            assertThat(line.get("upstream_host")).isEqualTo("127.0.0.1:" + books.port());
        }
    }

    @Test
    void aCertificateForAnotherNameIs502NameMismatch() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("wrong.yaml", originate("wrong", "wrong-name.example.test", wrongName.port(), simple()));
            Cli.Result r = curl(g, "http://wrong-name.example.test:" + wrongName.port() + "/");
            assertThat(r.stdout()).startsWith("upstream_cert_name_mismatch: TLS to wrong-name.example.test:" + wrongName.port())
                    .contains("the certificate names [www.elsewhere.test], not wrong-name.example.test")
                    .endsWith("502");
            assertThat(wrongName.requestCount()).as("no request crossed in plain text").isZero();
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("authority").startsWith("wrong-name.example.test"));
            assertThat(line.get("response_code")).isEqualTo("502");
            assertThat(line.get("response_code_details")).isEqualTo("upstream_cert_name_mismatch");
        }
    }

    @Test
    void aCertificateFromAnotherCaIs502Untrusted() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("untrusted.yaml", originate("untrusted", "untrusted.example.test", untrusted.port(), simple()));
            Cli.Result r = curl(g, "http://untrusted.example.test:" + untrusted.port() + "/");
            assertThat(r.stdout()).startsWith("upstream_cert_untrusted: ")
                    .contains("is issued by CN=someone else's ca, which is not a CA trusted by caCertificates " + caPem)
                    .endsWith("502");
            assertThat(untrusted.requestCount()).isZero();
            // Allowed by policy, then failed upstream: Envoy's UF with the transport failure reason, counted as
            // an upstream failure, not as a denial.
            EnvoyAccessLine line = g.awaitAccess(l -> "upstream_cert_untrusted".equals(l.get("response_code_details")));
            assertThat(line.get("response_flags")).isEqualTo("UF");
            assertThat(line.get("upstream_transport_failure_reason")).contains("is issued by CN=someone else's ca");
            PrometheusScrape s = g.scrape();
            assertThat(s.sum("portcullis_upstream_failures_total", "reason", "upstream_cert_untrusted")).isEqualTo(1);
            assertThat(s.sum("portcullis_denied_connections_total")).isZero();
        }
    }

    @Test
    void anExpiredCertificateIs502Expired() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("expired.yaml", originate("expired", "expired.example.test", expired.port(), simple()));
            Cli.Result r = curl(g, "http://expired.example.test:" + expired.port() + "/");
            assertThat(r.stdout()).startsWith("upstream_cert_expired: ").contains("has expired (valid until ")
                    .endsWith("502");
            assertThat(expired.requestCount()).isZero();
        }
    }

    @Test
    void withoutCaCertificatesTheSystemTrustStoreDecidesAndDoesNotKnowATestCa() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("books.yaml", originate("books", "books.example.test", books.port(), "{mode: SIMPLE}"));
            Cli.Result r = curl(g, "http://books.example.test:" + books.port() + "/");
            assertThat(r.stdout()).startsWith("upstream_cert_untrusted: ").contains("the system trust store").endsWith("502");
        }
    }

    @Test
    void insecureSkipVerifyAcceptsAnyCertificateWhenAskedTo() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("untrusted.yaml", originate("untrusted", "untrusted.example.test", untrusted.port(),
                    "{mode: SIMPLE, insecureSkipVerify: true}"));
            Cli.Result r = curl(g, "http://untrusted.example.test:" + untrusted.port() + "/");
            assertThat(r.stdout()).isEqualTo("hello from untrusted\n\n200");
        }
    }

    @Test
    void sniAndSubjectAltNamesFromTheRuleAreUsed() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("books.yaml", originate("books", "books.example.test", books.port(),
                    "{mode: SIMPLE, caCertificates: " + caPem + ", sni: alt.example.test, subjectAltNames: [alt.example.test]}"));
            assertThat(curl(g, "http://books.example.test:" + books.port() + "/").stdout()).endsWith("200");
            assertThat(books.lastSni()).isEqualTo("alt.example.test");

            g.apply("wrong.yaml", originate("wrong", "wrong-name.example.test", wrongName.port(),
                    "{mode: SIMPLE, caCertificates: " + caPem + ", subjectAltNames: [www.elsewhere.test]}"));
            assertThat(curl(g, "http://wrong-name.example.test:" + wrongName.port() + "/").stdout())
                    .as("the rule's subjectAltNames replace the host").isEqualTo("hello from wrong-name\n\n200");

            g.apply("wrong.yaml", originate("wrong", "wrong-name.example.test", wrongName.port(),
                    "{mode: SIMPLE, caCertificates: " + caPem + ", subjectAltNames: [a.example.test, b.example.test]}"));
            assertThat(curl(g, "http://wrong-name.example.test:" + wrongName.port() + "/").stdout())
                    .contains("not any of the DestinationRule's subjectAltNames [a.example.test, b.example.test]")
                    .endsWith("502");
        }
    }

    @Test
    void mutualTlsPresentsTheRulesClientCertificate() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("mutual.yaml", originate("mutual", "mutual.example.test", mutual.port(),
                    "{mode: MUTUAL, caCertificates: " + caPem + ", clientCertificate: " + clientCert + ", privateKey: "
                            + clientKey + "}"));
            assertThat(curl(g, "http://mutual.example.test:" + mutual.port() + "/").stdout())
                    .isEqualTo("hello from mutual\n\n200");

            // Without a client certificate the origin refuses the handshake: 502, never plain text.
            g.apply("mutual.yaml", originate("mutual", "mutual.example.test", mutual.port(), simple()));
            Cli.Result r = curl(g, "http://mutual.example.test:" + mutual.port() + "/");
            assertThat(r.stdout()).startsWith("upstream_tls_failure: ").endsWith("502");
        }
    }

    @Test
    void settingsThatCannotBeUsedAre502NeverPlainText() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("books.yaml", originate("books", "books.example.test", books.port(),
                    "{mode: SIMPLE, caCertificates: " + tmp.resolve("missing.pem") + "}"));
            int before = books.requestCount();
            Cli.Result r = curl(g, "http://books.example.test:" + books.port() + "/");
            assertThat(r.stdout()).startsWith("upstream_tls_config: DestinationRule/default/books spec.trafficPolicy"
                    + ".portLevelSettings[0].tls: cannot originate TLS: caCertificates " + tmp.resolve("missing.pem")
                    + " is not a readable file").endsWith("502");
            assertThat(books.requestCount()).isEqualTo(before);
        }
    }

    @Test
    void aPlainHttpGatewayServerOriginatesTlsForTheHostItRoutes() throws Exception {
        try (RunningGateway g = gateway()) {
            int gatewayPort = g.applyOnFreePort("books.yaml", port -> originate("books", "books.example.test",
                    books.port(), simple()) + """
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
            Cli.Result r = Cli.run(CURL, "curl", "-sS", "--max-time", "20", "-w", "\\n%{http_code}",
                    "--resolve", "books.example.test:" + gatewayPort + ":127.0.0.1",
                    "http://books.example.test:" + gatewayPort + "/shelf", "http://books.example.test:" + gatewayPort + "/shelf");
            assertThat(r.stdout()).as(r.toString()).isEqualTo("hello from books\n\n200hello from books\n\n200");
            assertThat(books.lastSni()).isEqualTo("books.example.test");
            assertThat(books.lastUri()).isEqualTo("/shelf");

            Cli.Result other = Cli.run(CURL, "curl", "-sS", "--max-time", "20", "-w", "\\n%{http_code}",
                    "-H", "Host: untrusted.example.test", "http://127.0.0.1:" + gatewayPort + "/");
            assertThat(other.stdout()).startsWith("not_gateway_host: Host untrusted.example.test is not a host of the"
                    + " Gateway servers on port " + gatewayPort).endsWith("403");
            EnvoyAccessLine line = g.awaitAccess(l -> l.listenerPort() == gatewayPort
                    && l.get("response_code_details").equals("declared"));
            assertThat(line.get("authority")).isEqualTo("books.example.test:" + gatewayPort);
            assertThat(line.get("response_code")).isEqualTo("200");
        }
    }
}
