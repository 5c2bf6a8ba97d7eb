package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ParsedFile;
import io.portcullis.model.ResourceParser;
import io.portcullis.sources.FolderLoader;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.InJvmCli;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as separate processes: what is applied survives a restart; a SIGKILL in the
 * middle of a stream of applies leaves the folder whole (every file complete, every apply there
 * entirely or not at all, every acknowledged apply there); a non-loopback admin needs a token,
 * which never reaches the logs.
 */
class AdminDurabilityIT {
    @TempDir
    Path tmp;

    private Path config() throws Exception {
        return Files.createDirectories(tmp.resolve("egress"));
    }

    static String entry(String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts: [%s]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: DNS
                """.formatted(name, host);
    }

    static String rule(String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: %s
                spec:
                  host: %s
                  trafficPolicy: {tls: {mode: SIMPLE}}
                """.formatted(name, host);
    }

    /** Apply number i: a new entry and its rule, and the shared "latest" entry moved to its host, in one request. */
    static String step(int i) {
        String host = "s" + i + ".example.test";
        return entry("stream-" + i, host) + "---\n" + rule("stream-" + i, host) + "---\n" + entry("latest", host);
    }

    @Test
    void appliedResourcesSurviveARestartOfTheProcess() throws Exception {
        Path config = config();
        String yaml;
        try (GatewayProcess g = GatewayProcess.start(config, tmp)) {
            Cli.Result applied = GatewayProcess.cli(step(1), "apply", "-f", "-", "--server", g.url());
            assertThat(applied.exitCode()).as(applied.toString()).isZero();
            assertThat(applied.stdout()).isEqualTo("serviceentry.networking.istio.io/stream-1 created\n"
                    + "destinationrule.networking.istio.io/stream-1 created\n"
                    + "serviceentry.networking.istio.io/latest created\n");
            yaml = GatewayProcess.cli(null, "get", "se", "-o", "yaml", "--server", g.url()).requireSuccess().stdout();
            assertThat(g.stop()).as("SIGTERM stops it cleanly").isIn(0, 143);
        }
        try (GatewayProcess again = GatewayProcess.start(config, tmp)) {
            Cli.Result got = GatewayProcess.cli(null, "get", "se", "-o", "yaml", "--server", again.url());
            assertThat(got.stdout()).isEqualTo(yaml).contains("name: stream-1", "name: latest");
            Cli.Result check = GatewayProcess.cli(null, "check", "--to", "s1.example.test:443", "--server", again.url());
            assertThat(check.exitCode()).as(check.toString()).isZero();
        }
    }

    @Test
    void aSigkillInTheMiddleOfAStreamOfAppliesLeavesTheFolderConsistent() throws Exception {
        Path config = config();
        Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (GatewayProcess g = GatewayProcess.start(config, tmp)) {
            InJvmCli cli = InJvmCli.against(g.url());
            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
                for (int i = 1; !stop.get(); i++) {
                    Cli.Result r = cli.runWithInput(step(i), "apply", "-f", "-", "--request-timeout", "10s");
                    if (r.exitCode() != 0) {
                        return; // the gateway is gone
                    }
                    acknowledged.add(i);
                }
            });
            // Let a few applies land, then kill it while the next ones are being written.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 5
                    || stream.isDone());
            g.kill9();
            stop.set(true);
            stream.get(60, TimeUnit.SECONDS);
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(5);

        // Straight after the kill, before any recovery: no file is torn, and the folder validates.
        try (Stream<Path> hidden = Files.list(config)) {
            // For the record (the kill lands wherever it lands): what was in flight.
            System.out.println("killed after " + acknowledged.size() + " acknowledged applies; in flight: "
                    + hidden.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList());
        }
        try (Stream<Path> files = Files.list(config)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                ParsedFile parsed = ResourceParser.parse(f.getFileName().toString(), Files.readString(f));
                assertThat(parsed.problems()).as(f.toString()).noneMatch(p -> p.isError());
                assertThat(parsed.resources()).as(f.toString()).hasSize(1);
            }
        }
        assertThat(FolderLoader.load(config).errors()).isEmpty();

        // A restart completes or discards what was in flight: every apply is there whole or not at all.
        try (GatewayProcess again = GatewayProcess.start(config, tmp)) {
            InJvmCli cli = InJvmCli.against(again.url());
            Set<Integer> entries = numbers(cli.run("get", "se", "-o", "name").requireSuccess().stdout(), "serviceentry");
            Set<Integer> rules = numbers(cli.run("get", "dr", "-o", "name").requireSuccess().stdout(), "destinationrule");
            assertThat(rules).as("entries and rules were applied together").isEqualTo(entries);
            assertThat(entries).as("every acknowledged apply survived").containsAll(acknowledged);
            int max = entries.stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertThat(entries).as("applies land in order, none skipped").hasSize(max);
            String latest = cli.run("get", "se", "latest", "-o", "yaml").requireSuccess().stdout();
            assertThat(latest).as("the shared entry is the last apply's").contains("- s" + max + ".example.test");
            try (Stream<Path> files = Files.list(config)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".portcullis"));
            }
        }
    }

    @Test
    void aNonLoopbackAdminNeedsATokenWhichNeverReachesTheLogs() throws Exception {
        Path config = config();
        int port = FreePorts.pick();
        Cli.Result refused = GatewayProcess.cli(null, "run", "--config", config.toString(), "--proxy-port", "0",
                "--admin", "0.0.0.0:" + port);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.stderr()).startsWith("error: --admin 0.0.0.0:" + port + " is not a loopback address")
                .contains("--admin-token-file");
        assertThat(listening(port)).isFalse();

        String token = "t0k-" + java.util.UUID.randomUUID();
        Path tokenFile = Files.writeString(tmp.resolve("token"), token + "\n");
        Path wrongFile = Files.writeString(tmp.resolve("wrong"), "not-" + token + "\n");
        try (GatewayProcess g = GatewayProcess.startOn("0.0.0.0", config, tmp, "--admin-token-file", tokenFile.toString())) {
            String url = g.url();
            Cli.Result none = GatewayProcess.cli(step(1), "apply", "-f", "-", "--server", url);
            assertThat(none.exitCode()).isEqualTo(1);
            assertThat(none.stderr()).contains("Error from server (Unauthorized)");
            Cli.Result wrong = GatewayProcess.cli(step(1), "apply", "-f", "-", "--server", url, "--token-file",
                    wrongFile.toString());
            assertThat(wrong.stderr()).contains("Error from server (Forbidden): the bearer token is not accepted");
            Cli.Result right = GatewayProcess.cli(step(1), "apply", "-f", "-", "--server", url, "--token-file",
                    tokenFile.toString());
            assertThat(right.exitCode()).as(right.toString()).isZero();
            g.stop();
            assertThat(g.output()).contains("admin: refused POST /apply").doesNotContain(token);
        }
    }

    private static Set<Integer> numbers(String names, String kind) {
        Set<Integer> out = new TreeSet<>();
        Matcher m = Pattern.compile(kind + "\\.networking\\.istio\\.io/stream-(\\d+)").matcher(names);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

}
