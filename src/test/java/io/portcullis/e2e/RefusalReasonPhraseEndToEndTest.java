package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testsupport.Cli;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What common clients print when the explicit proxy refuses: most show the status line of a failed
 * CONNECT and never its body, so the reason code rides in the reason phrase
 * ({@code 403 Forbidden (no_service_entry)}) as well as in {@code x-portcullis-reason} and the
 * body. The README's quick start quotes these outputs.
 */
class RefusalReasonPhraseEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(30);
    private static final String DENIED = "api.other.test";

    @Test
    void curlVerboseShowsTheReasonInTheStatusLineAndTheHeader() throws Exception {
        try (RunningGateway g = RunningGateway.start(DENIED)) {
            Cli.Result r = Cli.run(RUN, Cli.requireCommand("curl").toString(), "-sS", "-v", "-o", "/dev/null",
                    "-x", g.proxyUrl(), "https://" + DENIED + "/");
            assertThat(r.exitCode()).isEqualTo(56);
            assertThat(r.stderr()).contains("< HTTP/1.1 403 Forbidden (no_service_entry)\r\n")
                    .contains("< x-portcullis-reason: no_service_entry\r\n")
                    .contains("curl: (56) CONNECT tunnel failed, response 403");
        }
    }

    @Test
    void pythonAndWgetPrintTheReasonPhrase() throws Exception {
        try (RunningGateway g = RunningGateway.start(DENIED)) {
            String python = Cli.requireCommand("python3").toString();
            Cli.Result urllib = Cli.run(RUN, python, "-c", """
                    import urllib.request
                    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": "%s"}))
                    opener.open("https://%s/")
                    """.formatted(g.proxyUrl(), DENIED));
            assertThat(urllib.stderr()).contains(
                    "urllib.error.URLError: <urlopen error Tunnel connection failed: 403 Forbidden (no_service_entry)>");
            Cli.Result httpClient = Cli.run(RUN, python, "-c", """
                    import http.client
                    c = http.client.HTTPSConnection("127.0.0.1", %d)
                    c.set_tunnel("%s", 443)
                    c.request("GET", "/")
                    """.formatted(g.proxyPort(), DENIED));
            assertThat(httpClient.stderr()).contains("OSError: Tunnel connection failed: 403 Forbidden (no_service_entry)");

            Cli.Result wget = Cli.run(RUN, Cli.requireCommand("wget").toString(), "-e", "use_proxy=yes",
                    "-e", "https_proxy=" + g.proxyUrl(), "-O", "/dev/null", "https://" + DENIED + "/");
            assertThat(wget.stderr()).contains("Proxy tunneling failed: Forbidden (no_service_entry)");
        }
    }

    @Test
    void javaClientsPrintWhatTheyCan() throws Exception {
        try (RunningGateway g = RunningGateway.start(DENIED)) {
            InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", g.proxyPort());
            // HttpClient keeps only the status code: the README says to look with curl -v or portcullis check.
            HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(proxy)).build();
            assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("https://" + DENIED + "/"))
                    .timeout(RUN).build(), HttpResponse.BodyHandlers.discarding()))
                    .isInstanceOf(IOException.class).hasMessage("Tunnel failed, got: 403");
            HttpURLConnection legacy = (HttpURLConnection) URI.create("https://" + DENIED + "/").toURL()
                    .openConnection(new Proxy(Proxy.Type.HTTP, proxy));
            legacy.setConnectTimeout(20_000);
            legacy.setReadTimeout(20_000);
            assertThatThrownBy(legacy::getResponseCode).isInstanceOf(IOException.class)
                    .hasMessage("Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 403 Forbidden (no_service_entry)\"");
        }
    }

    @Test
    void otherRefusalStatusesCarryTheirReasonToo() throws Exception {
        try (RunningGateway g = RunningGateway.start("closed.example.test")) {
            // Port 1 (tcpmux) has no listener: the connection is refused, 503. An .invalid name never
            // resolves (RFC 6761), 502.
            g.apply("allowed.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: allowed}
                    spec:
                      hosts: [closed.example.test, unresolvable.invalid]
                      ports: [{number: 1, name: tcp, protocol: TLS}]
                      resolution: NONE
                    """);
            Cli.Result refused = Cli.run(RUN, "curl", "-sS", "-v", "-o", "/dev/null", "-x", g.proxyUrl(),
                    "https://closed.example.test:1/");
            assertThat(refused.stderr()).contains("< HTTP/1.1 503 Service Unavailable (upstream_connect_failure)\r\n")
                    .contains("< x-portcullis-reason: upstream_connect_failure\r\n");
            Cli.Result dns = Cli.run(RUN, "curl", "-sS", "-v", "-o", "/dev/null", "-x", g.proxyUrl(),
                    "https://unresolvable.invalid:1/");
            assertThat(dns.stderr()).contains("< HTTP/1.1 502 Bad Gateway (dns_failure)\r\n");
            Cli.Result bad = Cli.runWithInput(RUN, "GET /relative HTTP/1.1\r\nHost: x\r\n\r\n",
                    "nc", "-q", "5", "127.0.0.1", String.valueOf(g.proxyPort()));
            assertThat(bad.stdout()).startsWith("HTTP/1.1 400 Bad Request (bad_request)\r\n")
                    .contains("x-portcullis-reason: bad_request\r\n");
        }
    }
}
