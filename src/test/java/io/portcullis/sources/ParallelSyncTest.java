package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many files made durable together: every one synced, its content untouched, a failure reported with its file. */
class ParallelSyncTest {
    @TempDir
    Path dir;

    private List<Path> files(int n) throws Exception {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Files.writeString(dir.resolve("f-" + i + ".yaml"), "text " + i + "\n"));
        }
        return out;
    }

    @Test
    void syncsEveryFileAndLeavesItsContent() throws Exception {
        List<Path> files = files(3 * ParallelSync.PARALLELISM + 1);
        ParallelSync.syncAll(files);
        for (int i = 0; i < files.size(); i++) {
            assertThat(files.get(i)).hasContent("text " + i);
        }
    }

    @Test
    void aFileThatCannotBeSyncedIsReportedByName() throws Exception {
        List<Path> files = files(20);
        Path missing = dir.resolve("gone.yaml");
        files.add(7, missing);
        assertThatThrownBy(() -> ParallelSync.syncAll(files)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("gone.yaml");
        assertThat(Files.exists(missing)).as("sync never creates a file").isFalse();
    }

    @Test
    void aFewFilesAreSyncedOnTheCallingThread() throws Exception {
        List<Path> files = files(2);
        ParallelSync.syncAll(files);
        assertThat(files.get(1)).hasContent("text 1");
        assertThatThrownBy(() -> ParallelSync.syncAll(List.of(dir.resolve("nope")))).isInstanceOf(NoSuchFileException.class);
    }
}
