package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.ObjectText;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.TempConfigDir;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The admin API over HTTP: CRUD in JSON and YAML, versions, structured errors, the token, hand edits. */
class AdminApiEndToEndTest {
    private static final String SE = "/apis/networking.istio.io/v1/namespaces/default/serviceentries";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    static String entry(String name, int port) {
        return """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "%s"},
                 "spec": {"hosts": ["%s.example.test"], "ports": [{"number": %d, "name": "https", "protocol": "HTTPS"}],
                          "resolution": "DNS"}}
                """.formatted(name, name, port);
    }

    record Answer(int status, String body, HttpResponse<String> raw) {
        JsonNode json() throws Exception {
            return ObjectText.mapper().readTree(body);
        }
    }

    static Answer call(RunningGateway g, String method, String path, String contentType, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.adminUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    @Test
    void resourcesAreCreatedReadReplacedAndDeletedInJsonAndYaml() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            Answer created = call(g, "POST", SE, "application/json", entry("books", 443));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String v1 = created.json().at("/metadata/resourceVersion").asText();
            assertThat(v1).matches("[0-9a-f]{16}");
            assertThat(call(g, "POST", SE, "application/json", entry("books", 443)).json().path("reason").asText())
                    .isEqualTo("AlreadyExists");
            assertThat(g.gateway.policy().declares("books.example.test", 443)).isTrue();

            Answer yaml = call(g, "GET", SE + "/books", null, null, "Accept", "application/yaml");
            assertThat(yaml.status()).isEqualTo(200);
            assertThat(yaml.raw().headers().firstValue("Content-Type")).hasValue("application/yaml");
            assertThat(yaml.body()).startsWith("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n")
                    .contains("resourceVersion: " + v1);

            String replaced = yaml.body().replace("number: 443", "number: 8443");
            Answer put = call(g, "PUT", SE + "/books", "application/yaml", replaced);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            String v2 = put.json().at("/metadata/resourceVersion").asText();
            assertThat(v2).isNotEqualTo(v1);
            assertThat(g.gateway.policy().declares("books.example.test", 8443)).isTrue();

            Answer stale = call(g, "PUT", SE + "/books", "application/yaml", replaced.replace("8443", "9443"));
            assertThat(stale.status()).isEqualTo(409);
            assertThat(stale.json().path("reason").asText()).isEqualTo("Conflict");
            assertThat(stale.json().path("message").asText()).contains("the object has been modified", v1, v2);

            assertThat(call(g, "PUT", SE + "/other", "application/json", entry("books", 1)).status()).isEqualTo(400);
            assertThat(call(g, "DELETE", SE + "/books?resourceVersion=" + v1, null, null).status()).isEqualTo(409);
            Answer deleted = call(g, "DELETE", SE + "/books?resourceVersion=" + v2, null, null);
            assertThat(deleted.status()).isEqualTo(200);
            assertThat(deleted.json().path("status").asText()).isEqualTo("Success");
            Answer gone = call(g, "GET", SE + "/books", null, null);
            assertThat(gone.status()).isEqualTo(404);
            assertThat(gone.json().path("reason").asText()).isEqualTo("NotFound");
            assertThat(g.gateway.policy().declares("books.example.test", 8443)).isFalse();
        }
    }

    @Test
    void eachEndpointAnswersItsOwnMethodAndRefusesOthersWithA405() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            for (String[] wrong : new String[][] {{"GET", "/apply", "POST"}, {"PUT", "/delete", "POST"},
                    {"GET", "/diff", "POST"}, {"POST", "/check", "GET"}, {"DELETE", "/suggestions", "GET"}}) {
                Answer a = call(g, wrong[0], wrong[1], "application/json", wrong[0].equals("GET") ? null : "{}");
                assertThat(a.status()).as(wrong[0] + " " + wrong[1]).isEqualTo(405);
                assertThat(a.json().path("reason").asText()).isEqualTo("MethodNotAllowed");
                assertThat(a.json().path("message").asText())
                        .isEqualTo(wrong[0] + " is not allowed on " + wrong[1] + " (allowed: " + wrong[2] + ")");
            }
            assertThat(call(g, "GET", "/check?to=books.example.test:443", null, null).status()).isEqualTo(200);
        }
    }

    @Test
    void invalidResourcesGetAStructuredBodyNamingFileResourceFieldAndReason() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            Answer r = call(g, "POST", SE, "application/json", entry("bad", 70000));
            assertThat(r.status()).isEqualTo(422);
            JsonNode body = r.json();
            assertThat(body.path("kind").asText()).isEqualTo("Status");
            assertThat(body.path("reason").asText()).isEqualTo("Invalid");
            JsonNode p = body.path("problems").get(0);
            assertThat(p.path("severity").asText()).isEqualTo("error");
            assertThat(p.path("file").asText()).isEqualTo("request.json");
            assertThat(p.path("resource").path("kind").asText()).isEqualTo("ServiceEntry");
            assertThat(p.path("resource").path("namespace").asText()).isEqualTo("default");
            assertThat(p.path("resource").path("name").asText()).isEqualTo("bad");
            assertThat(p.path("field").asText()).isEqualTo("spec.ports[0].number");
            assertThat(p.path("reason").asText()).isEqualTo("70000 is out of range (expected: 1-65535)");
            assertThat(g.config.path().toFile().list()).isEmpty();

            Answer apply = call(g, "POST", "/apply?source=mine.yaml", "application/yaml", "kind: [\n");
            assertThat(apply.status()).isEqualTo(422);
            assertThat(apply.json().at("/problems/0/message").asText()).startsWith("mine.yaml: malformed YAML at line");

            // PATCH takes a merge patch (kubectl apply/edit); a plain JSON body is not one.
            assertThat(call(g, "PATCH", SE + "/x", "application/json", "{}").status()).isEqualTo(415);
            assertThat(call(g, "PATCH", SE + "/x", "application/merge-patch+json", "{}").status()).isEqualTo(404);
            assertThat(call(g, "GET", "/apis/networking.istio.io/v1/pods", null, null).status()).isEqualTo(404);
            assertThat(call(g, "GET", "/apis", null, null).json().path("groups").toString())
                    .contains("\"networking.istio.io\"", "\"config.istio.io\"");
            assertThat(call(g, "GET", "/apis/networking.istio.io/v1", null, null).json().path("resources").toString())
                    .contains("\"serviceentries\"", "\"se\"");
            assertThat(call(g, "GET", "/apis/config.istio.io/v1alpha2", null, null).json().path("resources").toString())
                    .contains("\"egressrules\"");
            Answer dry = call(g, "POST", SE + "?dryRun=All", "application/json", entry("dry", 443));
            assertThat(dry.status()).isEqualTo(201);
            assertThat(g.config.path().toFile().list()).as("a dry run writes nothing").isEmpty();
        }
    }

    @Test
    void aTokenIsRequiredWhenConfiguredAndNeverLogged() throws Exception {
        String token = "tok-" + java.util.UUID.randomUUID();
        String wrong = "wrong-" + java.util.UUID.randomUUID();
        Path tokenFile = Files.writeString(tmp.resolve("token"), token + "\n");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        try (RunningGateway g = RunningGateway.start(TempConfigDir.create(), tokenFile, OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getLoopbackAddress()))) {
            Answer none = call(g, "GET", SE, null, null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"portcullis-admin\"");
            assertThat(none.json().path("message").asText()).contains("no Authorization header");
            assertThat(call(g, "GET", SE, null, null, "Authorization", "Basic " + wrong).status()).isEqualTo(401);
            Answer bad = call(g, "POST", SE, "application/json", entry("x", 443), "Authorization", "Bearer " + wrong);
            assertThat(bad.status()).isEqualTo(403);
            assertThat(bad.body()).doesNotContain(wrong);
            assertThat(g.config.path().toFile().list()).isEmpty();
            assertThat(call(g, "GET", "/healthz/ready", null, null).status()).isEqualTo(200);
            assertThat(call(g, "POST", SE, "application/json", entry("x", 443), "Authorization", "Bearer " + token)
                    .status()).isEqualTo(201);

            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Cli.Result refused = cli.run("get", "se");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stderr()).contains("Error from server (Unauthorized)", "--token-file");
            Cli.Result ok = cli.withTokenFile(tokenFile.toString()).run("get", "se", "-o", "name");
            assertThat(ok.stdout()).isEqualTo("serviceentry.networking.istio.io/x\n");
        } finally {
            root.detachAppender(logs);
        }
        List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("admin: refused POST " + SE, "not accepted"));
        assertThat(String.join("\n", lines)).doesNotContain(token).doesNotContain(wrong);
    }

    @Test
    void handEditsAndApiWritesNeverLoseEachOther() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            String a = ObjectText.yaml(ObjectText.mapper().readTree(entry("a", 443)));
            String b = ObjectText.yaml(ObjectText.mapper().readTree(entry("b", 443)));
            String hand = "# written by hand: keep this comment\n" + a + "---\n# and this one\n" + b;
            g.apply("hand.yaml", hand);

            Path change = Files.writeString(tmp.resolve("b.json"), entry("b", 8443));
            assertThat(cli.run("apply", "-f", change.toString()).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/b configured\n");
            String after = Files.readString(g.config.resolve("hand.yaml"));
            assertThat(after).startsWith("# written by hand: keep this comment\n" + a + "---\n# and this one\n")
                    .contains("number: 8443");
            assertThat(g.config.path().toFile().list()).containsExactly("hand.yaml");

            g.apply("more.yaml", ObjectText.yaml(ObjectText.mapper().readTree(entry("c", 443))));
            cli.run("apply", "-f", Files.writeString(tmp.resolve("d.json"), entry("d", 443)).toString()).requireSuccess();
            assertThat(cli.run("get", "se", "-o", "name").stdout().lines()).containsExactlyInAnyOrder(
                    "serviceentry.networking.istio.io/a", "serviceentry.networking.istio.io/b",
                    "serviceentry.networking.istio.io/c", "serviceentry.networking.istio.io/d");
            assertThat(g.gateway.policy().resources().serviceEntries()).hasSize(4);

            // A broken hand edit keeps the last good configuration; the API still works and says so.
            g.config.write("broken.yaml", "kind: [\n");
            // The API serves the folder as its watch has read it: a hand edit is seen once the watch delivers it.
            await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("get", "se").stderr().contains("1 error(s)"));
            Cli.Result e = cli.run("apply", "-f", Files.writeString(tmp.resolve("e.json"), entry("e", 443)).toString());
            assertThat(e.exitCode()).isZero();
            assertThat(e.stderr()).contains("Warning: ", "broken.yaml", "last good configuration");
            assertThat(cli.run("get", "se").stderr()).contains("Warning: the configuration folder has 1 error(s)");
            assertThat(g.gateway.policy().resources().serviceEntries()).hasSize(4);
            g.remove("broken.yaml");
            assertThat(g.gateway.policy().resources().serviceEntries()).hasSize(5);
        }
    }
}
