package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, defect 10: a file written in place in several flushes is applied once, whole, after it
 * has been quiet; an atomic rename and the Kubernetes ConfigMap {@code ..data} swap are applied
 * without waiting for quiet. The quiet period here is long (a minute, or an hour) so that no
 * assertion depends on how fast this machine is: the pauses between flushes are far shorter, and a
 * rename applied at all while an hour of quiet is pending shows it did not wait.
 */
class FolderQuietPeriodTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 15443, name: tls, protocol: TLS}
                hosts: [%s.example.test]
                tls: {mode: PASSTHROUGH}
            ---
            """;
    private static final String ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: %s}
            spec:
              hosts: [%s.example.test]
              ports: [{number: 15443, name: tls, protocol: TLS}]
              resolution: DNS
            """;

    @TempDir
    Path dir;

    private static String file(String name) {
        return GATEWAY.formatted(name) + ENTRY.formatted(name, name);
    }

    /** Truncates {@code f} and writes {@code text} in five flushes, pausing before each. */
    private static void writeInFlushes(Path f, String text, long pauseMillis) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < 5; i++) {
                Thread.sleep(pauseMillis);
                out.write(bytes, i * bytes.length / 5, (i + 1) * bytes.length / 5 - i * bytes.length / 5);
                out.flush();
            }
        }
    }

    @Test
    void aFileWrittenInPlaceInSeveralFlushesIsAppliedOnceWhole() throws Exception {
        Path f = dir.resolve("egress.yaml");
        Files.writeString(f, file("old"));
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        List<LoadResult> rejected = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add, rejected::add, Duration.ofMinutes(1))) {
            source.start();
            assertThat(applied).hasSize(1);
            // As a tool that truncates and writes in five flushes, pausing between them: longer than
            // the former 100 ms settle time, far shorter than the quiet period.
            writeInFlushes(f, file("new"), 250);
            // Quiet from now on, but for less than a minute: nothing was applied, the old configuration stands.
            Thread.sleep(1_000);
            assertThat(applied).as("nothing applied while the file was being written").hasSize(1);
            assertThat(rejected).as("no prefix was read").isEmpty();
        }
    }

    @Test
    void theFileIsAppliedOnceItIsQuietWithEveryResourceInEveryAppliedSet() throws Exception {
        Path f = dir.resolve("egress.yaml");
        Files.writeString(f, file("old"));
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        List<LoadResult> rejected = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add, rejected::add, Duration.ofSeconds(2))) {
            source.start();
            writeInFlushes(f, file("new"), 150);
            await().atMost(WAIT).until(() -> applied.size() >= 2);
            Thread.sleep(3_000);
            assertThat(rejected).isEmpty();
            assertThat(applied).as("exactly one reload").hasSize(2);
            // The Gateway (its listener) was in every configuration applied: it never vanished.
            assertThat(applied).allSatisfy(r -> assertThat(r.resources().gateways()).hasSize(1));
            assertThat(applied.get(1).resources().serviceEntries().get(0).hosts()).containsExactly("new.example.test");
        }
    }

    @Test
    void anAtomicRenameIsAppliedWithoutWaitingForQuiet() throws Exception {
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add, r -> { }, Duration.ofHours(1))) {
            source.start();
            Path tmp = Files.writeString(dir.resolve(".egress.yaml.tmp"), file("renamed"));
            Files.move(tmp, dir.resolve("egress.yaml"), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(WAIT).until(() -> applied.size() == 2);
            assertThat(applied.get(1).resources().gateways()).hasSize(1);
        }
    }

    /** Kubernetes mounts a ConfigMap as {@code x.yaml -> ..data/x.yaml}, {@code ..data -> ..<timestamp>}, and swaps {@code ..data}. */
    @Test
    void aConfigMapDataSwapIsAppliedWithoutWaitingForQuiet() throws Exception {
        Path first = Files.createDirectory(dir.resolve("..2026_12_03_07_00_00.1"));
        Files.writeString(first.resolve("egress.yaml"), file("first"));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(dir.resolve("egress.yaml"), Path.of("..data", "egress.yaml"));
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add, r -> { }, Duration.ofHours(1))) {
            assertThat(source.start().resources().serviceEntries().get(0).hosts()).containsExactly("first.example.test");

            Path second = Files.createDirectory(dir.resolve("..2026_12_03_07_05_00.2"));
            Files.writeString(second.resolve("egress.yaml"), file("second"));
            Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            Files.delete(first.resolve("egress.yaml"));
            Files.delete(first);

            await().atMost(WAIT).until(() -> applied.size() == 2);
            assertThat(applied.get(1).resources().serviceEntries().get(0).hosts()).containsExactly("second.example.test");
            assertThat(applied.get(1).resources().gateways()).hasSize(1);
        }
    }
}
