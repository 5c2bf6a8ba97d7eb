package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderTransactionTest {
    @TempDir
    Path dir;

    Map<String, String> folder() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                out.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return out;
    }

    @Test
    void writesAndRemovesSeveralFilesAndLeavesNothingElse() throws Exception {
        Files.writeString(dir.resolve("old.yaml"), "old");
        Files.writeString(dir.resolve("gone.yaml"), "gone");
        new FolderTransaction(dir).write("new.yaml", "new", null).write("old.yaml", "old2", "old")
                .delete("gone.yaml", "gone").commit();
        assertThat(folder()).containsExactlyInAnyOrderEntriesOf(Map.of("new.yaml", "new", "old.yaml", "old2"));
        assertThat(FolderTransaction.pending(dir)).isFalse();
    }

    /** One file needs no journal (its rename is atomic): the same outcome, and the same refusal of a stale change. */
    @Test
    void oneFileIsWrittenReplacedAndRemovedAloneAndAStaleOneIsRefused() throws Exception {
        new FolderTransaction(dir).write("a.yaml", "one", null).commit();
        new FolderTransaction(dir).write("a.yaml", "two", "one").commit();
        assertThat(folder()).containsExactlyEntriesOf(Map.of("a.yaml", "two"));
        FolderTransaction stale = new FolderTransaction(dir).write("a.yaml", "three", "one");
        assertThatThrownBy(stale::commit).isInstanceOf(FolderTransaction.ConcurrentEditException.class)
                .hasMessageContaining("a.yaml");
        FolderTransaction staleDelete = new FolderTransaction(dir).delete("a.yaml", "one");
        assertThatThrownBy(staleDelete::commit).isInstanceOf(FolderTransaction.ConcurrentEditException.class);
        assertThat(folder()).as("nothing left behind").containsExactlyEntriesOf(Map.of("a.yaml", "two"));
        new FolderTransaction(dir).delete("a.yaml", "two").commit();
        assertThat(folder()).isEmpty();
    }

    @Test
    void aFileEditedSinceItWasReadFailsTheWholeChange() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "edited by hand");
        FolderTransaction tx = new FolderTransaction(dir).write("b.yaml", "b", null).write("a.yaml", "mine", "as read");
        assertThatThrownBy(tx::commit).isInstanceOf(FolderTransaction.ConcurrentEditException.class)
                .hasMessageContaining("a.yaml");
        assertThat(folder()).containsExactlyEntriesOf(Map.of("a.yaml", "edited by hand"));
        FolderTransaction exists = new FolderTransaction(dir).write("a.yaml", "mine", null);
        assertThatThrownBy(exists::commit).isInstanceOf(FolderTransaction.ConcurrentEditException.class);
    }

    @Test
    void recoveryCompletesACommittedChangeInterruptedHalfWay() throws Exception {
        // As a writer killed after the commit point, with one of two renames done.
        Files.writeString(dir.resolve("a.yaml"), "a new");
        Files.writeString(dir.resolve(".portcullis-tmp-2"), "b new");
        Files.writeString(dir.resolve("b.yaml"), "b old");
        Files.writeString(dir.resolve("c.yaml"), "c to delete");
        Files.writeString(dir.resolve(FolderTransaction.JOURNAL),
                "rename\t.portcullis-tmp-1\ta.yaml\nrename\t.portcullis-tmp-2\tb.yaml\ndelete\tc.yaml\n");
        assertThat(FolderTransaction.pending(dir)).isTrue();
        assertThat(FolderTransaction.recover(dir)).isTrue();
        assertThat(folder()).containsExactlyInAnyOrderEntriesOf(Map.of("a.yaml", "a new", "b.yaml", "b new"));
        assertThat(FolderTransaction.recover(dir)).as("idempotent").isFalse();
    }

    @Test
    void recoveryDiscardsAnUncommittedChange() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "a old");
        Files.writeString(dir.resolve(".portcullis-tmp-1"), "a new");
        Files.writeString(dir.resolve(".portcullis-journal.tmp"), "rename\t.portcullis-tmp-1\ta.yaml\n");
        assertThat(FolderTransaction.recover(dir)).isTrue();
        assertThat(folder()).containsExactlyEntriesOf(Map.of("a.yaml", "a old"));
    }

    @Test
    void aJournalNeverMovesFilesOutOfTheFolder() throws Exception {
        Files.writeString(dir.resolve(FolderTransaction.JOURNAL), "rename\t.portcullis-tmp-1\t../escape.yaml\n");
        Files.writeString(dir.resolve(".portcullis-tmp-1"), "x");
        assertThatThrownBy(() -> FolderTransaction.recover(dir)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.exists(dir.resolveSibling("escape.yaml"))).isFalse();
    }
}
