package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder source and the admin API's transactions: a change is read whole, never half. */
class FolderSourceTest {
    private static final String ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: %s
            spec:
              hosts: [%s.example.test]
              ports: [{number: 443, name: https, protocol: HTTPS}]
              resolution: DNS
            """;

    @TempDir
    Path dir;

    @Test
    void aPendingTransactionIsNotReadUntilItCompletesAndAnInterruptedOneIsCompletedAtStart() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), ENTRY.formatted("a", "a"));
        // As a writer killed after its commit point: b.yaml still waits in its temporary file.
        Files.writeString(dir.resolve(".portcullis-tmp-1"), ENTRY.formatted("b", "b"));
        Files.writeString(dir.resolve(FolderTransaction.JOURNAL), "rename\t.portcullis-tmp-1\tb.yaml\n");
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add)) {
            LoadResult first = source.start();
            assertThat(first.resources().serviceEntries()).hasSize(2);
            assertThat(applied).hasSize(1);

            Files.writeString(dir.resolve(FolderTransaction.JOURNAL), "");
            Files.writeString(dir.resolve("c.yaml"), ENTRY.formatted("c", "c"));
            assertThat(source.reloadNow()).as("not read while a change is pending").isNull();
            Files.delete(dir.resolve(FolderTransaction.JOURNAL));
            assertThat(source.reloadNow().resources().serviceEntries()).hasSize(3);
        }
    }

    /**
     * A writer's reload after the watch has already handed on its files (on a busy machine the
     * watch can be first) returns that result and compiles nothing again; a forced reload still does.
     */
    @Test
    void aReloadAfterAWriteTheWatchAlreadyHandedOnHandsNothingOnTwice() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), ENTRY.formatted("a", "a"));
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add)) {
            source.start();
            Files.writeString(dir.resolve("b.yaml"), ENTRY.formatted("b", "b"));
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() == 2);
            assertThat(applied.get(1).resources().serviceEntries()).hasSize(2);

            LoadResult again = source.reloadAfterWrite();
            assertThat(again).isSameAs(applied.get(1));
            assertThat(source.reloadAfterWrite()).isSameAs(applied.get(1));
            assertThat(applied).as("handed on once by the watch, not again by the writer's reloads").hasSize(2);

            assertThat(source.reloadNow().resources().serviceEntries()).hasSize(2);
            assertThat(applied).as("a forced reload hands on again").hasSize(3);
        }
    }
}
