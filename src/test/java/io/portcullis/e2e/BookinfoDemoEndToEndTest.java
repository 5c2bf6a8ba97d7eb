package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.portcullis.testsupport.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/bookinfo/run}, the README's "see it work" step, as a user runs it: the four
 * egress articles walked end to end (Bookinfo's details, ratings and a cart in network namespaces
 * behind sidecars and the egress gateway, against real external services). The script checks
 * every page and access-log expectation itself and exits 0 only if all held; this test also holds
 * it to its clean-up, after a full run and when stopped half-way. Portcullis runs with Netty's leak
 * detector at paranoid, and a leak report fails the run. It runs Portcullis and the Java
 * workloads from this test's classpath ({@code BOOKINFO_CLASSPATH}), so nothing is built here.
 * Skipped, with the script's reason, only where the machine forbids network namespaces (exit 77),
 * as {@link io.portcullis.testsupport.NetnsLab} skips.
 */
class BookinfoDemoEndToEndTest {
    private static final Path SCRIPT = Path.of("examples", "bookinfo", "run").toAbsolutePath();
    private static final Duration RUN_LIMIT = Duration.ofMinutes(12);
    private static final int SKIP = 77;
    private static final Pattern SETUP = Pattern.compile("namespaces (pcbi\\d+)-\\*, files in (\\S+)\\)");

    @TempDir
    Path tmp;

    @Test
    void everyArticleDegradesAndRecoversAsTheArticlesSay() throws Exception {
        Path out = tmp.resolve("transcript.txt");
        Process run = start(out);
        int exit = finish(run, out, RUN_LIMIT);
        String transcript = read(out);
        skipWhereForbidden(exit, transcript);
        assertThat(exit).as("exit code; the transcript:\n%s", transcript).isZero();
        assertThat(transcript).contains("0 failed").doesNotContain("✘");
        assertThat(transcript).contains("Error fetching product details!", "Author: William Shakespeare",
                "Ratings service is currently unavailable", "Reviewer1 ★☆☆☆☆", "Reviewer2 ★★☆☆☆",
                "source_principal=spiffe://cluster.local/ns/default/sa/bookinfo-ratings",
                "Connection closed by foreign host", "Hamlet (hardcover)", "spec.servers[0].addresses");
        assertNothingLeft(transcript);
    }

    /**
     * Stopped once everything runs, as a CI timeout stops it (SIGTERM): the trap removes every
     * namespace, file and process. (A terminal's Ctrl-C signals the whole group and takes the same
     * trap; a SIGINT sent to bash alone is deferred by bash's wait-and-cooperative-exit rule, so
     * SIGTERM is what a test can send deterministically.)
     */
    @Test
    void aStoppedRunLeavesNothingBehind() throws Exception {
        Path out = tmp.resolve("stopped.txt");
        Process run = start(out);
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (!read(out).contains("ready in") && run.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String before = read(out);
        skipWhereForbidden(run.isAlive() ? 0 : run.exitValue(), before);
        assertThat(before).as("the run never became ready:\n%s", before).contains("ready in");
        run.destroy();
        int exit = finish(run, out, Duration.ofMinutes(2));
        String transcript = read(out);
        assertThat(exit).as("exit code after SIGTERM; the transcript:\n%s", transcript).isEqualTo(143);
        assertThat(transcript).contains("stopped by SIGTERM, cleaning up");
        assertNothingLeft(transcript);
    }

    private static Process start(Path out) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> env = pb.environment();
        env.put("BOOKINFO_CLASSPATH", System.getProperty("java.class.path"));
        env.remove("BOOKINFO_KEEP");
        // The script fails on a "LEAK:" report of the gateway or a sidecar.
        env.put("PORTCULLIS_JAVA_OPTS", "-Dio.netty.leakDetection.level=paranoid");
        return pb.start();
    }

    /** Waits for the script; past the limit it gets SIGTERM (its trap cleans up) before a kill. */
    private static int finish(Process run, Path out, Duration limit) throws InterruptedException {
        if (run.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            return run.exitValue();
        }
        run.destroy();
        if (!run.waitFor(60, TimeUnit.SECONDS)) {
            run.destroyForcibly();
        }
        return fail("examples/bookinfo/run did not finish within " + limit + ":\n" + read(out));
    }

    private static void skipWhereForbidden(int exit, String transcript) {
        if (exit == SKIP) {
            Assumptions.abort("examples/bookinfo/run skipped itself: " + transcript.strip());
        }
    }

    private static void assertNothingLeft(String transcript) {
        Matcher m = SETUP.matcher(transcript);
        assertThat(m.find()).as("the set-up line names the namespaces:\n%s", transcript).isTrue();
        String prefix = m.group(1);
        Path work = Path.of(m.group(2));
        assertThat(Cli.run(Duration.ofSeconds(20), "ip", "netns", "list").requireSuccess().stdout())
                .as("namespaces left behind").doesNotContain(prefix + "-");
        try (var dirs = Files.list(Path.of("/etc/netns"))) {
            assertThat(dirs.map(p -> p.getFileName().toString())).as("/etc/netns left behind")
                    .noneMatch(name -> name.startsWith(prefix + "-"));
        } catch (IOException noEtcNetns) {
            // No /etc/netns at all: nothing was left there either.
        }
        assertThat(work).as("the run's folder").doesNotExist();
        assertThat(ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(work.toString()) || c.contains(prefix + "-")))
                .as("processes of the run still alive").isEmpty();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
