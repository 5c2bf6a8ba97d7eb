package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.ObjectText;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.LeakCheckExtension;
import io.portcullis.testsupport.TempConfigDir;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The learning endpoints over real HTTP, behind the admin token: /ui's files are open, its data is not. */
@ExtendWith(LeakCheckExtension.class)
class LearnApiEndToEndTest {
    private static final String TOKEN = "s3cret-token-for-the-live-view";
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(RunningGateway g, String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.adminUrl() + path)).timeout(Duration.ofSeconds(20));
        if (withToken) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageIsOpenItsDataNeedsTheTokenAndFlowsArePushed(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        try (HttpOrigin origin = new HttpOrigin("learned");
             RunningGateway g = RunningGateway.start(TempConfigDir.create(), tokenFile, OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), "api.learned.example.com")) {
            HttpResponse<String> page = get(g, "/ui", false);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<script src=\"/ui/app.js\">").doesNotContain("http://", "https://");
            assertThat(get(g, "/ui/uplot.js", false).body()).contains("uPlot");
            assertThat(get(g, "/ui/state", false).statusCode()).isEqualTo(401);
            assertThat(get(g, "/suggestions", false).statusCode()).isEqualTo(401);
            assertThat(get(g, "/ui/events", false).statusCode()).isEqualTo(401);

            HttpRequest events = HttpRequest.newBuilder(URI.create(g.adminUrl() + "/ui/events"))
                    .header("Authorization", "Bearer " + TOKEN).build();
            HttpResponse<Stream<String>> stream = http.send(events, HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("text/event-stream"));
            Iterator<String> lines = stream.body().iterator();
            CompletableFuture<String> firstFlow = CompletableFuture.supplyAsync(() -> {
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.startsWith("data: ")) {
                        return line.substring(6);
                    }
                }
                return null;
            });
            Cli.Result refused = Cli.run(Duration.ofSeconds(30), "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                    "-x", g.proxyUrl(), origin.url("api.learned.example.com"));
            assertThat(refused.stdout()).isEqualTo("403");
            JsonNode flow = ObjectText.mapper().readTree(firstFlow.get(30, TimeUnit.SECONDS));
            assertThat(flow.path("destination").asText()).isEqualTo("api.learned.example.com");
            assertThat(flow.path("verdict").asText()).isEqualTo("denied");
            assertThat(flow.path("reason").asText()).isEqualTo("no_service_entry");
            stream.body().close();

            JsonNode suggestions = ObjectText.mapper().readTree(get(g, "/suggestions", true).body());
            assertThat(suggestions.path("kind").asText()).isEqualTo("Suggestions");
            assertThat(suggestions.path("entries").get(0).path("hosts").get(0).asText())
                    .isEqualTo("api.learned.example.com");
            assertThat(suggestions.path("yaml").asText()).contains("kind: ServiceEntry");
            Cli.Result json = InJvmCli.against(g.adminUrl()).withTokenFile(tokenFile.toString())
                    .run("suggest", "-o", "json", "--since", "1h");
            assertThat(json.exitCode()).as(json.toString()).isZero();
            JsonNode printed = ObjectText.mapper().readTree(json.stdout());
            assertThat(printed.path("entries").get(0).path("resolution").asText()).isEqualTo("DNS");
            assertThat(printed.has("yaml")).isFalse();
            assertThat(InJvmCli.against(g.adminUrl()).run("suggest").stderr()).contains("Unauthorized");

            JsonNode state = ObjectText.mapper().readTree(get(g, "/ui/state", true).body());
            assertThat(state.path("writable").asBoolean()).isTrue();
            assertThat(state.path("blocked").get(0).path("destination").asText()).isEqualTo("api.learned.example.com");
        }
    }
}
