package io.portcullis.sources.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.model.ResourceKind;
import io.portcullis.model.ServiceEntry;
import io.portcullis.sources.FolderSource;
import io.portcullis.sources.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parsed, validated view a watched folder keeps, as the gateway wires it (the store and the
 * folder source sharing it): each change the watch names is read alone, and both the configuration
 * in force and what the store lists follow every kind of change, whole.
 */
class WatchedFolderViewTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    final List<LoadResult> applied = new CopyOnWriteArrayList<>();
    final List<LoadResult> rejected = new CopyOnWriteArrayList<>();
    FolderSource source;
    FolderStore store;

    private void start() throws Exception {
        source = new FolderSource(dir, applied::add, rejected::add);
        store = new FolderStore(source.folder(), source::reloadAfterWrite, Clock.systemUTC());
        assertThat(source.start().hasErrors()).isFalse();
    }

    @AfterEach
    void stop() throws Exception {
        if (source != null) {
            source.close();
        }
    }

    private void write(String file, String name, int port) throws Exception {
        Files.writeString(dir.resolve(file), FolderStoreTest.entry(name, port));
    }

    private List<String> listed() {
        return store.list(ResourceKind.SERVICE_ENTRY, null).stream().map(o -> o.name() + "@" + o.file() + ":"
                + o.object().path("spec").path("ports").get(0).path("number").intValue()).toList();
    }

    private List<String> inForce() {
        LoadResult last = applied.get(applied.size() - 1);
        return last.resources().serviceEntries().stream().map(ServiceEntry::id)
                .map(id -> id.name() + "@" + last.resources().origin(id)).sorted().toList();
    }

    private static void eventually(BooleanSupplier condition) {
        await().atMost(WAIT).until(condition::getAsBoolean);
    }

    @Test
    void aChangeADeleteAndARenameAreFollowedByTheListAndTheConfigurationInForce() throws Exception {
        write("a.yaml", "a", 443);
        write("b.yaml", "b", 443);
        start();
        assertThat(listed()).containsExactly("a@a.yaml:443", "b@b.yaml:443");

        write("a.yaml", "a", 8443);
        eventually(() -> listed().contains("a@a.yaml:8443") && applied.size() == 2);
        Files.move(dir.resolve("b.yaml"), dir.resolve("c.yaml"), StandardCopyOption.ATOMIC_MOVE);
        eventually(() -> listed().equals(List.of("a@a.yaml:8443", "b@c.yaml:443")) && inForce().contains("b@c.yaml"));
        Files.delete(dir.resolve("c.yaml"));
        eventually(() -> listed().equals(List.of("a@a.yaml:8443")) && inForce().equals(List.of("a@a.yaml")));
        assertThat(rejected).isEmpty();
    }

    @Test
    void anInvalidFileKeepsTheLastGoodConfigurationWhileTheViewShowsTheFolderAsItIs() throws Exception {
        write("a.yaml", "a", 443);
        start();
        Files.writeString(dir.resolve("bad.yaml"), FolderStoreTest.entry("bad", 443) + "  bogus: 1\n");
        eventually(() -> !rejected.isEmpty());
        assertThat(rejected.get(0).errors()).anySatisfy(p -> assertThat(p.file()).isEqualTo("bad.yaml"));
        assertThat(store.folderErrors()).anySatisfy(p -> assertThat(p.file()).isEqualTo("bad.yaml"));
        assertThat(applied).as("the last good configuration stays").hasSize(1);

        // A write through the API is not blocked by the broken file, and is in force when it returns.
        store.apply(new ApplyRequest(List.of(new ApplyRequest.SourceFile("r.yaml", FolderStoreTest.entry("c", 443))),
                "default", ApplyRequest.Mode.APPLY, false));
        assertThat(listed()).contains("c@serviceentry.default.c.yaml:443");

        write("bad.yaml", "bad", 443);
        eventually(() -> inForce().equals(List.of("a@a.yaml", "bad@bad.yaml", "c@serviceentry.default.c.yaml")));
        assertThat(store.folderErrors()).isEmpty();
    }

    @Test
    void aDuplicateInAnotherFileIsRefusedWholeAndItsRemovalRestoresTheFirstDefinition() throws Exception {
        write("b.yaml", "b", 443);
        write("c.yaml", "c", 443);
        start();
        // Sorts before b.yaml: its definition is the one the folder would put in force.
        write("a-copy.yaml", "b", 9443);
        eventually(() -> !rejected.isEmpty());
        assertThat(rejected.get(0).errors()).anySatisfy(p -> assertThat(p.reason())
                .contains("already defined in a-copy.yaml"));
        assertThat(listed()).containsExactly("b@a-copy.yaml:9443", "c@c.yaml:443");
        assertThat(applied).hasSize(1);

        Files.delete(dir.resolve("a-copy.yaml"));
        eventually(() -> applied.size() == 2);
        assertThat(listed()).containsExactly("b@b.yaml:443", "c@c.yaml:443");
        assertThat(inForce()).containsExactly("b@b.yaml", "c@c.yaml");

        // And once more, the duplicate written after the first definition.
        write("z-copy.yaml", "c", 9443);
        eventually(() -> rejected.size() == 2);
        assertThat(listed()).containsExactly("b@b.yaml:443", "c@c.yaml:443");
        Files.delete(dir.resolve("z-copy.yaml"));
        eventually(() -> applied.size() == 3);
        assertThat(store.folderErrors()).isEmpty();
    }

    /** Kubernetes mounts a ConfigMap as {@code x.yaml -> ..data/x.yaml}, {@code ..data -> ..<timestamp>}, and swaps {@code ..data}. */
    @Test
    void aConfigMapDataSwapIsFollowedByTheList() throws Exception {
        Path first = Files.createDirectory(dir.resolve("..2026_12_03_07_00_00.1"));
        Files.writeString(first.resolve("egress.yaml"), FolderStoreTest.entry("first", 443));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(dir.resolve("egress.yaml"), Path.of("..data", "egress.yaml"));
        start();
        assertThat(listed()).containsExactly("first@egress.yaml:443");

        Path second = Files.createDirectory(dir.resolve("..2026_12_03_07_05_00.2"));
        Files.writeString(second.resolve("egress.yaml"), FolderStoreTest.entry("second", 443));
        Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(first.resolve("egress.yaml"));
        Files.delete(first);

        eventually(() -> listed().equals(List.of("second@egress.yaml:443")) && applied.size() == 2);
        assertThat(inForce()).containsExactly("second@egress.yaml");
    }
}
