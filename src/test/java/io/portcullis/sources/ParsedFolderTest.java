package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.model.ResourceSet;
import io.portcullis.model.ServiceEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder kept parsed: a change re-reads and re-parses the files it touched, and only those. */
class ParsedFolderTest {
    private static final String ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: %s
            spec:
              hosts: [%s.example.test]
              ports: [{number: %d, name: https, protocol: HTTPS}]
              resolution: DNS
            """;

    @TempDir
    Path dir;

    private Path write(String file, String name, int port) throws Exception {
        return Files.writeString(dir.resolve(file), ENTRY.formatted(name, name, port));
    }

    /** Dates a file an hour back, so its stamp is trusted from its first read on. */
    private void age(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    }

    private static int port(ResourceSet set, String name) {
        return set.serviceEntries().stream().filter(e -> e.id().name().equals(name)).findFirst()
                .map(e -> e.ports().get(0).number()).orElseThrow();
    }

    private static List<String> names(ResourceSet set) {
        return set.serviceEntries().stream().map(ServiceEntry::id).map(id -> id.name()).sorted().toList();
    }

    @Test
    void aChangedFileIsParsedAgainAndTheUnchangedOnesAreNot() throws Exception {
        age(write("a.yaml", "a", 443));
        write("b.yaml", "b", 443);
        ParsedFolder folder = new ParsedFolder(dir);
        FolderSnapshot first = folder.refresh();
        assertThat(names(first.load().resources())).containsExactly("a", "b");

        // The same size, written in place at once: the stamp may not change, the text does.
        write("b.yaml", "b", 444);
        FolderSnapshot second = folder.refresh();
        assertThat(port(second.load().resources(), "b")).isEqualTo(444);
        assertThat(second.files().get("a.yaml").parsed()).as("a.yaml not parsed again")
                .isSameAs(first.files().get("a.yaml").parsed());
        assertThat(second.files().get("b.yaml").parsed()).isNotSameAs(first.files().get("b.yaml").parsed());
    }

    /** What a watched folder does once the watch has named a file: it looks at that one, not at the rest. */
    @Test
    void aLookByNameReadsTheNamedFilesOnlyAndAFullLookTheRest() throws Exception {
        age(write("a.yaml", "a", 443));
        age(write("b.yaml", "b", 443));
        // Stamps trusted as soon as read after their change, so only the names decide what is read.
        ParsedFolder folder = new ParsedFolder(dir, Duration.ZERO);
        FolderSnapshot first = folder.refresh();
        Thread.sleep(20);
        write("a.yaml", "a", 444);
        write("b.yaml", "b", 444);
        write("c.yaml", "c", 443);
        FolderSnapshot named = folder.refresh(List.of("a.yaml", "c.yaml", "not-config.txt", ".hidden.yaml"));
        assertThat(named.files()).containsOnlyKeys("a.yaml", "b.yaml", "c.yaml");
        assertThat(port(named.load().resources(), "a")).isEqualTo(444);
        assertThat(port(named.load().resources(), "b")).as("not named: not looked at").isEqualTo(443);
        assertThat(named.files().get("b.yaml").parsed()).isSameAs(first.files().get("b.yaml").parsed());

        Files.delete(dir.resolve("c.yaml"));
        assertThat(folder.refresh(List.of("c.yaml")).files()).containsOnlyKeys("a.yaml", "b.yaml");
        assertThat(port(folder.refresh().load().resources(), "b")).isEqualTo(444);
    }

    @Test
    void aCopyThatKeepsTheModificationTimeAndSizeIsStillSeen() throws Exception {
        Path a = write("a.yaml", "a", 443);
        age(a);
        FileTime old = Files.getLastModifiedTime(a);
        // Every stamp trusted at once: only the stamp can tell the change.
        ParsedFolder folder = new ParsedFolder(dir, Duration.ZERO);
        assertThat(port(folder.refresh().load().resources(), "a")).isEqualTo(443);
        // As cp -p does: new bytes in place, the same size, the old modification time put back.
        Thread.sleep(20);
        write("a.yaml", "a", 444);
        Files.setLastModifiedTime(a, old);
        assertThat(port(folder.refresh().load().resources(), "a")).isEqualTo(444);
    }

    @Test
    void anUnchangedFolderIsTheSameSnapshotWithItsValidationDoneOnce() throws Exception {
        age(write("a.yaml", "a", 443));
        age(write("b.yaml", "b", 443));
        ParsedFolder folder = new ParsedFolder(dir, Duration.ZERO);
        FolderSnapshot first = folder.refresh();
        LoadResult loaded = first.load();
        FolderSnapshot again = folder.refresh();
        assertThat(again).isSameAs(first);
        assertThat(again.load()).isSameAs(loaded);
    }

    @Test
    void aDeletedFileTakesItsResourcesAway() throws Exception {
        age(write("a.yaml", "a", 443));
        age(write("b.yaml", "b", 443));
        ParsedFolder folder = new ParsedFolder(dir);
        FolderSnapshot first = folder.refresh();
        Files.delete(dir.resolve("b.yaml"));
        FolderSnapshot second = folder.refresh();
        assertThat(second.files()).containsOnlyKeys("a.yaml");
        assertThat(names(second.load().resources())).containsExactly("a");
        assertThat(second.files().get("a.yaml").parsed()).isSameAs(first.files().get("a.yaml").parsed());
    }

    @Test
    void aRenamedFileIsReadUnderItsNewNameWithItsResourcesFromThere() throws Exception {
        age(write("a.yaml", "a", 443));
        age(write("b.yaml", "b", 443));
        ParsedFolder folder = new ParsedFolder(dir);
        folder.refresh();
        Files.move(dir.resolve("b.yaml"), dir.resolve("c.yaml"), StandardCopyOption.ATOMIC_MOVE);
        LoadResult loaded = folder.refresh().load();
        assertThat(loaded.hasErrors()).isFalse();
        ServiceEntry b = loaded.resources().serviceEntries().stream().filter(e -> e.id().name().equals("b"))
                .findFirst().orElseThrow();
        assertThat(loaded.resources().origin(b.id())).isEqualTo("c.yaml");

        // Renamed to a name the loader skips: gone, as if deleted.
        Files.move(dir.resolve("c.yaml"), dir.resolve("c.yaml.bak"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(names(folder.refresh().load().resources())).containsExactly("a");
    }

    @Test
    void aFileThatGoesBadAndIsFixedIsReadBothTimesAndItsErrorNamesIt() throws Exception {
        age(write("a.yaml", "a", 443));
        ParsedFolder folder = new ParsedFolder(dir);
        assertThat(folder.refresh().load().hasErrors()).isFalse();
        Files.writeString(dir.resolve("a.yaml"), ENTRY.formatted("a", "a", 443).replace("resolution: DNS",
                "resolution: SOMETIMES"));
        LoadResult bad = folder.refresh().load();
        assertThat(bad.errors()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("a.yaml");
            assertThat(p.toString()).contains("resolution");
        });
        write("a.yaml", "a", 8443);
        assertThat(port(folder.refresh().load().resources(), "a")).isEqualTo(8443);
    }

    @Test
    void theFolderSourceRefusesAnInvalidHandEditWholeKeepsTheLastGoodOneAndFollowsTheFix() throws Exception {
        write("a.yaml", "a", 443);
        write("b.yaml", "b", 443);
        List<LoadResult> applied = new CopyOnWriteArrayList<>();
        List<LoadResult> rejected = new CopyOnWriteArrayList<>();
        try (FolderSource source = new FolderSource(dir, applied::add, rejected::add)) {
            assertThat(names(source.start().resources())).containsExactly("a", "b");

            // Outside the API: a valid change to one file and a broken second file, written by hand.
            write("b.yaml", "b", 8443);
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() == 2);
            assertThat(port(applied.get(1).resources(), "b")).isEqualTo(8443);
            Files.writeString(dir.resolve("c.yaml"), ENTRY.formatted("c", "c", 443) + "  bogus: 1\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> !rejected.isEmpty());
            assertThat(rejected.get(0).errors()).anySatisfy(p -> assertThat(p.file()).isEqualTo("c.yaml"));
            assertThat(applied).as("the last good configuration stays").hasSize(2);

            write("c.yaml", "c", 443);
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() == 3);
            assertThat(names(applied.get(2).resources())).containsExactly("a", "b", "c");
            assertThat(port(applied.get(2).resources(), "b")).isEqualTo(8443);
        }
    }
}
