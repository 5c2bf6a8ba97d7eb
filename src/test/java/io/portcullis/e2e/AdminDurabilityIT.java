package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ParsedFile;
import io.portcullis.model.ResourceParser;
import io.portcullis.sources.FolderLoader;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
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

    /** As {@link #step}, with {@link #WIDTH} more entry-and-rule pairs: a wide transaction, so a kill often lands in it. */
    static String wideStep(int i) {
        StringBuilder sb = new StringBuilder(step(i));
        for (int k = 0; k < WIDTH; k++) {
            String host = "s" + i + "-" + k + ".example.test";
            sb.append("---\n").append(entry("stream-" + i + "-" + k, host)).append("---\n").append(rule("stream-" + i + "-" + k, host));
        }
        return sb.toString();
    }

    private static final int WIDTH = 10;

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
        // Where the kill lands is up to the scheduler; the rounds aim at both phases of a write.
        int next = streamAndKill(config, 1, acknowledged, ".portcullis-tmp-");
        assertConsistent(config, acknowledged);
        streamAndKill(config, next, acknowledged, ".portcullis-journal");
        assertConsistent(config, acknowledged);
    }

    /**
     * Applies {@link #wideStep}s from {@code first} on, one after the other, and after a few SIGKILLs
     * the gateway as soon as a file whose name starts with {@code aim} shows a write in flight.
     * Returns the first number not acknowledged.
     */
    private int streamAndKill(Path config, int first, Set<Integer> acknowledged, String aim) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger(first);
        int before = acknowledged.size();
        try (GatewayProcess g = GatewayProcess.start(config, tmp)) {
            InJvmCli cli = InJvmCli.against(g.url());
            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    int i = next.getAndIncrement();
                    Cli.Result r = cli.runWithInput(wideStep(i), "apply", "-f", "-", "--request-timeout", "10s");
                    if (r.exitCode() != 0) {
                        return; // the gateway is gone
                    }
                    acknowledged.add(i);
                }
            });
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120))
                    .until(() -> acknowledged.size() >= before + 3 || stream.isDone());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!writing(config, aim) && System.nanoTime() < deadline && !stream.isDone()) {
                Thread.onSpinWait();
            }
            g.kill9();
            stop.set(true);
            stream.get(60, TimeUnit.SECONDS);
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(before + 3);
        try (Stream<Path> hidden = Files.list(config)) {
            // For the record: what was in flight when the kill landed.
            System.out.println("killed after " + acknowledged.size() + " acknowledged applies; in flight: "
                    + hidden.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList());
        }
        return next.get();
    }

    /** The folder right after a kill, then after a restart: nothing torn, every apply whole or absent, none lost. */
    private void assertConsistent(Path config, Set<Integer> acknowledged) throws Exception {
        try (Stream<Path> files = Files.list(config)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                ParsedFile parsed = ResourceParser.parse(f.getFileName().toString(), Files.readString(f));
                assertThat(parsed.problems()).as(f.toString()).noneMatch(p -> p.isError());
                assertThat(parsed.resources()).as(f.toString()).hasSize(1);
            }
        }
        assertThat(FolderLoader.load(config).errors()).isEmpty();

        // A restart completes or discards what was in flight.
        try (GatewayProcess again = GatewayProcess.start(config, tmp)) {
            InJvmCli cli = InJvmCli.against(again.url());
            String entryNames = cli.run("get", "se", "-o", "name").requireSuccess().stdout();
            String ruleNames = cli.run("get", "dr", "-o", "name").requireSuccess().stdout();
            Set<Integer> entries = numbers(entryNames, "serviceentry");
            Set<Integer> rules = numbers(ruleNames, "destinationrule");
            assertThat(rules).as("entries and rules were applied together").isEqualTo(entries);
            for (int i : entries) {
                for (int k = 0; k < WIDTH; k++) {
                    assertThat(entryNames).as("apply " + i + " whole").contains("/stream-" + i + "-" + k + "\n");
                    assertThat(ruleNames).as("apply " + i + " whole").contains("/stream-" + i + "-" + k + "\n");
                }
            }
            assertThat(entryNames.lines()).as("nothing half applied").hasSize(entries.size() * (WIDTH + 1) + 1);
            assertThat(entries).as("every acknowledged apply survived").containsAll(acknowledged);
            int max = entries.stream().mapToInt(Integer::intValue).max().orElseThrow();
            String latest = cli.run("get", "se", "latest", "-o", "yaml").requireSuccess().stdout();
            assertThat(latest).as("the shared entry is the last apply's").contains("- s" + max + ".example.test");
            try (Stream<Path> files = Files.list(config)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".portcullis"));
            }
            assertThat(again.stop()).isIn(0, 143);
        }
    }

    @Test
    void aNonLoopbackAdminNeedsATokenWhichNeverReachesTheLogs() throws Exception {
        Path config = config();
        Cli.Result refused = GatewayProcess.cli(null, "run", "--config", config.toString(), "--proxy-port", "0",
                "--admin", "0.0.0.0:0");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.stderr()).startsWith("error: --admin 0.0.0.0:0 is not a loopback address")
                .contains("--admin-token-file");
        assertThat(refused.stdout() + refused.stderr()).as("refused before listening").doesNotContain("admin on");

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

    /** Whether a write is in flight: temporary files or a journal of the admin API's transaction. */
    private static boolean writing(Path config, String prefix) {
        try (Stream<Path> files = Files.list(config)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith(prefix));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static Set<Integer> numbers(String names, String kind) {
        Set<Integer> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)" + kind + "\\.networking\\.istio\\.io/stream-(\\d+)$").matcher(names);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }
}
