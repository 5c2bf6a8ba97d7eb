package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
