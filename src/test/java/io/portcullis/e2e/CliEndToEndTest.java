package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubectl-like commands driven in-JVM against a real gateway, with curl for what the gateway then does. */
class CliEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static Path caPem;
    static HttpsOrigin https;

    @BeforeAll
    static void origin() throws Exception {
        Cli.requireCommand("curl");
        TestCa ca = TestCa.create("portcullis cli test ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        https = new HttpsOrigin("books", ca.issueServer("www.googleapis.com", "books.example.test"));
    }

    @AfterAll
    static void stop() {
        https.close();
    }

    static String entry(String name, String host, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts:
                  - %s
                  ports:
                  - number: %d
                    name: https
                    protocol: HTTPS
                  location: MESH_EXTERNAL
                  resolution: DNS
                """.formatted(name, host, port);
    }

    static Path file(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    private static Cli.Result curl(RunningGateway g, String host) {
        return Cli.run(CURL, "curl", "-sS", "--max-time", "15", "--cacert", caPem.toString(), "-x", g.proxyUrl(),
                "https://" + host + ":" + https.port() + "/");
    }

    @Test
    void applyCurlAllowedDeleteCurlDenied() throws Exception {
        try (RunningGateway g = RunningGateway.start("books.example.test")) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            assertThat(curl(g, "books.example.test").exitCode()).as("denied before").isNotZero();

            Cli.Result applied = cli.run("apply", "-f", file("books.yaml", entry("books", "books.example.test",
                    https.port())).toString());
            assertThat(applied.stdout()).isEqualTo("serviceentry.networking.istio.io/books created\n");
            // The apply returns once the gateway follows: no waiting here.
            Cli.Result allowed = curl(g, "books.example.test");
            assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
            assertThat(allowed.stdout()).isEqualTo("hello from books\n");

            Cli.Result deleted = cli.run("delete", "serviceentry", "books");
            assertThat(deleted.exitCode()).isZero();
            assertThat(deleted.stdout()).isEqualTo("serviceentry.networking.istio.io \"books\" deleted\n");
            assertThat(curl(g, "books.example.test").exitCode()).as("denied after").isNotZero();
            assertThat(g.config.path().toFile().list()).isEmpty();
        }
    }

    @Test
    void appliedResourcesSurviveARestart() throws Exception {
        RunningGateway first = RunningGateway.start("books.example.test");
        RunningGateway second = null;
        try {
            InJvmCli.against(first.adminUrl()).run("apply", "-f", file("restart.yaml",
                    entry("books", "books.example.test", https.port())).toString()).requireSuccess();
            String before = InJvmCli.against(first.adminUrl()).run("get", "se", "books", "-o", "yaml").stdout();
            second = first.restart(null, "books.example.test");
            Cli.Result after = InJvmCli.against(second.adminUrl()).run("get", "se", "books", "-o", "yaml");
            assertThat(after.stdout()).isEqualTo(before).contains("resourceVersion");
            assertThat(curl(second, "books.example.test").exitCode()).isZero();
        } finally {
            (second != null ? second : first).close();
        }
    }

    @Test
    void concurrentAppliesOfDifferentResourcesAllLand() throws Exception {
        int writers = 4;
        int rounds = 5;
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            List<Path> files = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                StringBuilder docs = new StringBuilder();
                for (int r = 0; r < rounds; r++) {
                    docs.append(r == 0 ? "" : "---\n").append(entry("w" + w + "-r" + r, "w" + w + "r" + r + ".example.test", 443));
                }
                files.add(file("writer-" + w + ".yaml", docs.toString()));
            }
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                CyclicBarrier start = new CyclicBarrier(writers);
                List<Future<Cli.Result>> results = new ArrayList<>();
                for (Path f : files) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return cli.run("apply", "-f", f.toString());
                    }));
                }
                for (Future<Cli.Result> r : results) {
                    Cli.Result done = r.get();
                    assertThat(done.exitCode()).as(done.toString()).isZero();
                    assertThat(done.stdout().lines()).hasSize(rounds).allMatch(l -> l.endsWith(" created"));
                }
            } finally {
                pool.shutdownNow();
            }
            Cli.Result names = cli.run("get", "se", "-o", "name");
            assertThat(names.stdout().lines()).hasSize(writers * rounds);
            assertThat(g.gateway.policy().resources().serviceEntries()).hasSize(writers * rounds);
        }
    }

    @Test
    void aStaleResourceVersionIsRefused() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            cli.run("apply", "-f", file("v1.yaml", entry("books", "books.example.test", 443)).toString()).requireSuccess();
            String fetched = cli.run("get", "se", "books", "-o", "yaml").stdout();
            assertThat(fetched).containsPattern("resourceVersion: \"?[0-9a-f]{16}");

            cli.run("apply", "-f", file("v2.yaml", entry("books", "books.example.test", 8443)).toString()).requireSuccess();
            Cli.Result stale = cli.runWithInput(fetched.replace("- books.example.test", "- other.example.test"),
                    "apply", "-f", "-");
            assertThat(stale.exitCode()).isEqualTo(1);
            assertThat(stale.stderr()).contains("Error from server (Conflict)", "serviceentries.networking.istio.io \"books\"",
                    "the object has been modified");
            assertThat(cli.run("get", "se", "books", "-o", "yaml").stdout()).contains("number: 8443")
                    .doesNotContain("other.example.test");

            String current = cli.run("get", "se", "books", "-o", "yaml").stdout();
            Cli.Result fresh = cli.runWithInput(current.replace("- books.example.test", "- other.example.test"),
                    "apply", "-f", "-");
            assertThat(fresh.stdout()).isEqualTo("serviceentry.networking.istio.io/books configured\n");
        }
    }

    @Test
    void getPrintsKubectlTablesNamesAndDocuments() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            cli.run("apply", "-f", file("t1.yaml", entry("googleapis", "www.googleapis.com", 443)).toString()).requireSuccess();
            cli.run("apply", "-n", "team-a", "-f", file("t2.yaml", entry("books", "books.example.test", 8443)).toString())
                    .requireSuccess();

            Cli.Result table = cli.run("get", "serviceentries");
            assertThat(table.stdout()).matches("NAME         HOSTS                    LOCATION        RESOLUTION   AGE\n"
                    + "googleapis   \\[\"www.googleapis.com\"\\]   MESH_EXTERNAL   DNS          \\w+\n");
            for (String alias : List.of("se", "serviceentry", "ServiceEntry", "serviceentries.networking.istio.io")) {
                assertThat(withoutAge(cli.run("get", alias).stdout())).as(alias).isEqualTo(withoutAge(table.stdout()));
            }
            assertThat(cli.run("get", "se", "-A").stdout()).containsPattern(
                    "(?m)^NAMESPACE   NAME         HOSTS                    LOCATION        RESOLUTION   AGE\n"
                            + "default     googleapis   \\[\"www.googleapis.com\"\\]   MESH_EXTERNAL   DNS          \\w+\n"
                            + "team-a      books        \\[\"books.example.test\"\\]   MESH_EXTERNAL   DNS          \\w+$");
            assertThat(cli.run("get", "se", "-n", "team-a", "-o", "wide").stdout())
                    .containsPattern("(?m)^NAME +HOSTS +LOCATION +RESOLUTION +PORTS +ADDRESSES +AGE$")
                    .contains("8443/HTTPS");
            assertThat(cli.run("get", "se", "-A", "-o", "name").stdout()).isEqualTo(
                    "serviceentry.networking.istio.io/googleapis\nserviceentry.networking.istio.io/books\n");
            assertThat(cli.run("get", "se", "googleapis", "-o", "json").stdout()).startsWith("{")
                    .contains("\"kind\" : \"ServiceEntry\"", "\"resourceVersion\"");
            assertThat(cli.run("get", "se", "-o", "yaml").stdout()).startsWith("apiVersion: v1\nitems:\n- apiVersion:")
                    .contains("kind: List");

            Cli.Result none = cli.run("get", "vs");
            assertThat(none.exitCode()).isZero();
            assertThat(none.stdout()).isEmpty();
            assertThat(none.stderr()).isEqualTo("No resources found in default namespace.\n");

            Cli.Result missing = cli.run("get", "se", "googleapis", "nope");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stdout()).startsWith("NAME").contains("googleapis");
            assertThat(missing.stderr()).isEqualTo(
                    "Error from server (NotFound): serviceentries.networking.istio.io \"nope\" not found\n");
        }
    }

    /** The AGE column (the last) ticks while a test runs. */
    private static String withoutAge(String table) {
        return table.replaceAll("(?m)\\S+$", "");
    }

    @Test
    void deleteNamesWhatItDeletedAndNotFoundIsAnErrorUnlessIgnored() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Path f = file("del.yaml", entry("a", "a.example.test", 443) + "---\n" + entry("b", "b.example.test", 443));
            cli.run("apply", "-f", f.toString()).requireSuccess();

            Cli.Result notFound = cli.run("delete", "se", "a", "zzz");
            assertThat(notFound.exitCode()).isEqualTo(1);
            assertThat(notFound.stdout()).isEqualTo("serviceentry.networking.istio.io \"a\" deleted\n");
            assertThat(notFound.stderr()).isEqualTo(
                    "Error from server (NotFound): serviceentries.networking.istio.io \"zzz\" not found\n");

            Cli.Result byFile = cli.run("delete", "-f", f.toString(), "--ignore-not-found");
            assertThat(byFile.exitCode()).isZero();
            assertThat(byFile.stdout()).isEqualTo("serviceentry.networking.istio.io \"b\" deleted\n");
            assertThat(byFile.stderr()).isEmpty();
        }
    }

    /** A Gateway and the VirtualService bound to it (a port the test never connects to: only the warnings matter). */
    private static String gatewayAndItsRoute(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %d, name: tcp, protocol: TCP}
                    hosts: [db.example.test]
                """.formatted(port) + "---\n" + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db-via-egress}
                spec:
                  hosts: [db.example.test]
                  gateways: [egress]
                  tcp:
                  - match: [{gateways: [egress], port: %d}]
                    route: [{destination: {host: db.example.test, port: {number: 5432}}}]
                """.formatted(port) + "---\n" + entry("db", "db.example.test", 5432);
    }

    @Test
    void aMultiResourceChangeIsJudgedByWhereItEnds() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            int port = FreePorts.pick();
            Path all = file("gateway-and-route.yaml", gatewayAndItsRoute(port));
            // The route comes first in its file: applied alone, it would name a Gateway not yet defined.
            String text = Files.readString(all);
            String[] docs = text.split("---\n");
            Path reordered = file("route-first.yaml", docs[1] + "---\n" + docs[0] + "---\n" + docs[2]);
            Cli.Result applied = cli.run("apply", "-f", reordered.toString());
            assertThat(applied.exitCode()).as(applied.toString()).isZero();
            assertThat(applied.stderr()).isEmpty();

            Cli.Result deleted = cli.run("delete", "-f", all.toString());
            assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
            assertThat(deleted.stdout()).isEqualTo("gateway.networking.istio.io \"egress\" deleted\n"
                    + "virtualservice.networking.istio.io \"db-via-egress\" deleted\n"
                    + "serviceentry.networking.istio.io \"db\" deleted\n");
            assertThat(deleted.stderr()).as("no warning about the state between the deletions").isEmpty();
            assertThat(cli.run("get", "gw").stderr()).isEqualTo("No resources found in default namespace.\n");
            assertThat(cli.run("get", "vs").stderr()).isEqualTo("No resources found in default namespace.\n");

            // A warning of the state the change ends with is still given.
            cli.run("apply", "-f", all.toString()).requireSuccess();
            Path gatewayOnly = file("gateway-only.yaml", docs[0]);
            Cli.Result dangling = cli.run("delete", "-f", gatewayOnly.toString());
            assertThat(dangling.exitCode()).isZero();
            assertThat(dangling.stderr()).contains("Warning: ").contains("no Gateway Gateway/default/egress is defined");
        }
    }

    @Test
    void checkExplainsTheDecisionAndTheNearestMiss() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            cli.run("apply", "-f", "examples/articles/01-https-googleapis-serviceentry.yaml").requireSuccess();

            Cli.Result allowed = cli.run("check", "--to", "www.googleapis.com:443");
            assertThat(allowed.exitCode()).isZero();
            assertThat(allowed.stdout()).startsWith("ALLOWED  www.googleapis.com:443  via explicit proxy")
                    .contains("reason:   declared: allowed by ServiceEntry/default/googleapis",
                            "matched:  ServiceEntry/default/googleapis  declares www.googleapis.com on port https 443/HTTPS");

            Cli.Result wrongPort = cli.run("check", "--to", "www.googleapis.com:80");
            assertThat(wrongPort.exitCode()).isEqualTo(1);
            assertThat(wrongPort.stdout()).startsWith("DENIED  www.googleapis.com:80")
                    .contains("reason:   no_service_entry: no ServiceEntry allows www.googleapis.com:80",
                            "nearest:  ServiceEntry/default/googleapis  declares www.googleapis.com on port 443, not on 80");

            Cli.Result unrelated = cli.run("check", "--to", "api.other.test:443", "--from", "spiffe://cluster.local/ns/a/sa/b");
            assertThat(unrelated.stdout()).contains("nearest:  none").doesNotContain("enforces no AuthorizationPolicy");
            assertThat(cli.run("check", "--to", "www.googleapis.com:443", "-o", "json").stdout())
                    .contains("\"allowed\" : true", "\"reason\" : \"declared\"");
            assertThat(cli.run("check", "--to", "no-port").exitCode()).isEqualTo(2);
        }
    }

    @Test
    void usageErrorsExitTwoAndEveryCommandHasHelpWithAnExample() {
        InJvmCli cli = InJvmCli.against("http://127.0.0.1:9");
        for (String command : List.of("apply", "get", "delete", "validate", "check", "run")) {
            Cli.Result help = cli.run(command, "--help");
            assertThat(help.exitCode()).as(command).isZero();
            assertThat(help.stdout()).as(command).containsPattern("Examples?:\n  \\./portcullis " + command);
        }
        Cli.Result unknownKind = cli.run("get", "pods");
        assertThat(unknownKind.exitCode()).isEqualTo(2);
        assertThat(unknownKind.stderr()).startsWith("error: the resource type \"pods\" is not known")
                .contains("See 'portcullis get --help'");
        assertThat(cli.run("apply").exitCode()).isEqualTo(2);
        assertThat(cli.run("delete", "se").exitCode()).isEqualTo(2);
        assertThat(cli.run("get", "se", "x", "-A").exitCode()).isEqualTo(2);
        assertThat(cli.run("get", "se", "-o", "table").exitCode()).isEqualTo(2);
        Cli.Result noIdleTimeout = cli.run("run", "--config", "target/never-created", "--idle-timeout", "0s");
        assertThat(noIdleTimeout.exitCode()).isEqualTo(2);
        assertThat(noIdleTimeout.stderr()).contains("'--idle-timeout': '0s' must be positive");

        Cli.Result unreachable = cli.run("get", "se");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr()).startsWith("error: cannot reach the gateway at http://127.0.0.1:9");
    }

    @Test
    void validateWorksOfflineAndStrictFailsOnWarnings() throws Exception {
        InJvmCli cli = InJvmCli.against(null);
        Cli.Result ok = cli.run("validate", "-f", "examples/articles/01-https-googleapis-serviceentry.yaml");
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.stdout()).isEqualTo("valid: 2 resource(s) in 1 file(s)\n");

        String legacy = "examples/articles/02-https-googleapis-egressrule-v1alpha2.yaml";
        Cli.Result warned = cli.run("validate", "-f", legacy);
        assertThat(warned.exitCode()).isZero();
        assertThat(warned.stderr()).startsWith("warning: " + legacy + ": EgressRule/default/googleapis");
        Cli.Result strict = cli.run("validate", "--strict", "-f", legacy);
        assertThat(strict.exitCode()).isEqualTo(1);
        assertThat(strict.stderr()).contains("invalid (--strict): 0 error(s), 1 warning(s)");

        Cli.Result bad = cli.run("validate", "-f", "examples/articles/13-redis-egress-gateway-invalid.yaml");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr()).contains("error: examples/articles/13-redis-egress-gateway-invalid.yaml: "
                + "Gateway/default/istio-egressgateway spec.servers[0].addresses: unknown field");
        Cli.Result stdin = cli.runWithInput(entry("x", "x.example.test", 443), "validate", "-f", "-");
        assertThat(stdin.stdout()).isEqualTo("valid: 1 resource(s) in 1 file(s)\n");
        assertThat(cli.run("validate", "-f", "no/such/file.yaml").stderr())
                .isEqualTo("error: the path \"no/such/file.yaml\" does not exist\n");
    }

    @Test
    void aNamespaceFlagThatContradictsADocumentIsAnError() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Path f = file("ns.yaml", entry("x", "x.example.test", 443).replace("  name: x\n", "  name: x\n  namespace: a\n"));
            Cli.Result r = cli.run("apply", "-n", "b", "-f", f.toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("the namespace from the provided object \"a\" does not match the namespace \"b\"");
            assertThat(cli.run("apply", "-n", "a", "-f", f.toString()).exitCode()).isZero();
            assertThat(cli.run("get", "se", "-n", "a", "-o", "name").stdout()).isEqualTo("serviceentry.networking.istio.io/x\n");
        }
    }
}
