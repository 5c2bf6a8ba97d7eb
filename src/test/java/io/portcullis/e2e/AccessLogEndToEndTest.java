package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access-log file: JSON lines, and reopening it on SIGHUP as logrotate expects. */
class AccessLogEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void theJsonAccessLogParsesLineByLine() throws Exception {
        try (HttpOrigin books = new HttpOrigin("books");
             RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), AccessLogFormat.JSON,
                     GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, "books.example.test", "api.other.test")) {
            g.apply("books.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: books}
                    spec:
                      hosts: [books.example.test]
                      ports: [{number: %d, name: http, protocol: HTTP}]
                      resolution: DNS
                    """.formatted(books.port()));
            String url = "http://books.example.test:" + books.port() + "/books?id=1";
            assertThat(Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "-A", "shop/1.0 \"beta\"", "-x", g.proxyUrl(), url)
                    .exitCode()).isZero();
            Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "-x", g.proxyUrl(), "https://api.other.test:443/");

            ObjectMapper json = new ObjectMapper();
            List<JsonNode> lines = new ArrayList<>();
            await().atMost(TIMEOUT).untilAsserted(() -> {
                lines.clear();
                for (String line : Files.readAllLines(g.accessLogFile)) {
                    lines.add(json.readTree(line));
                }
                assertThat(lines).hasSize(2);
            });
            JsonNode ok = lines.stream().filter(n -> n.get("decision").asText().equals("allowed")).findFirst().orElseThrow();
            assertThat(ok.get("method").asText()).isEqualTo("GET");
            assertThat(ok.get("path").asText()).isEqualTo("/books");
            assertThat(ok.get("response_code").asInt()).isEqualTo(200);
            assertThat(ok.get("reason").asText()).isEqualTo("declared");
            assertThat(ok.get("response_code_details").asText()).isEqualTo("declared");
            assertThat(ok.get("user_agent").asText()).isEqualTo("shop/1.0 \"beta\"");
            assertThat(ok.get("authority").asText()).isEqualTo("books.example.test:" + books.port());
            assertThat(ok.get("upstream_cluster").asText()).isEqualTo("outbound|" + books.port() + "||books.example.test");
            assertThat(ok.get("upstream_host").asText()).isEqualTo("127.0.0.1:" + books.port());
            assertThat(ok.get("resource").asText()).isEqualTo("ServiceEntry/default/books");
            assertThat(ok.get("bytes_sent").asLong()).isPositive();
            JsonNode no = lines.stream().filter(n -> n.get("decision").asText().equals("denied")).findFirst().orElseThrow();
            assertThat(no.get("reason").asText()).isEqualTo("no_service_entry");
            assertThat(no.get("response_flags").asText()).isEqualTo("NR");
            assertThat(no.get("upstream_cluster").asText()).isEqualTo("BlackHoleCluster");
            assertThat(no.get("message").asText()).isEqualTo("no ServiceEntry allows api.other.test:443");
        }
    }

    @Test
    void sighupReopensTheAccessLogAfterLogrotateMovedIt() throws Exception {
        Path config = Files.createDirectories(tmp.resolve("egress"));
        Path log = tmp.resolve("access.log");
        Path rotated = tmp.resolve("access.log.1");
        try (GatewayProcess gateway = GatewayProcess.start(config, tmp, "--access-log", log.toString())) {
            int proxyPort = gateway.proxyPort;
            assertThat(MetricsEndToEndTest.connect(proxyPort, "before.test:443")).startsWith("HTTP/1.1 403");
            await().atMost(TIMEOUT).until(() -> Files.exists(log) && Files.readString(log).contains("before.test:443"));

            Files.move(log, rotated);
            Cli.run(TIMEOUT, "kill", "-HUP", String.valueOf(gateway.pid())).requireSuccess();
            // The reopen happens before the writer's next batch: a line written after the signal lands in the new file.
            await().atMost(TIMEOUT).untilAsserted(() -> {
                assertThat(MetricsEndToEndTest.connect(proxyPort, "after.test:443")).startsWith("HTTP/1.1 403");
                assertThat(log).exists();
                assertThat(Files.readString(log)).contains("after.test:443");
            });
            assertThat(gateway.isAlive()).as("SIGHUP must not stop the gateway").isTrue();
            List<String> old = Files.readAllLines(rotated);
            assertThat(old).hasSize(1);
            assertThat(EnvoyAccessLine.parse(old.get(0)).get("authority")).isEqualTo("before.test:443");
            for (String line : Files.readAllLines(log)) {
                assertThat(EnvoyAccessLine.parse(line).get("authority")).isEqualTo("after.test:443");
            }
        }
    }
}
