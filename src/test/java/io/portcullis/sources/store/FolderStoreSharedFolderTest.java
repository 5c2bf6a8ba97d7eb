package io.portcullis.sources.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ResourceKind;
import io.portcullis.sources.FolderSnapshot;
import io.portcullis.sources.FolderSource;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import io.portcullis.sources.store.ApplyResult.Action;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's store and the folder source sharing one parsed folder, as the gateway wires
 * them: a write parses the files it changes, once for both, and a hand edit is seen at once.
 */
class FolderStoreSharedFolderTest {
    @TempDir
    Path dir;
    final List<LoadResult> applied = new CopyOnWriteArrayList<>();
    FolderSource source;
    FolderStore store;

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.writeString(dir.resolve("fill-" + i + ".yaml"), FolderStoreTest.entry("fill-" + i, 443));
        }
        source = new FolderSource(dir, applied::add);
        store = new FolderStore(source.folder(), source::reloadAfterWrite, Clock.systemUTC());
        source.start();
    }

    @AfterEach
    void stop() throws Exception {
        source.close();
    }

    private ApplyResult apply(String text) throws StoreException {
        return store.apply(new ApplyRequest(List.of(new SourceFile("request.yaml", text)), "default", Mode.APPLY,
                false));
    }

    @Test
    void anApplyParsesOnlyTheFileItWritesAndIsInForceWhenItReturns() throws Exception {
        FolderSnapshot before = source.folder().refresh();
        ApplyResult r = apply(FolderStoreTest.entry("books", 443));
        assertThat(r.outcomes()).singleElement().extracting(ApplyResult.Outcome::action).isEqualTo(Action.CREATED);
        assertThat(applied.get(applied.size() - 1).resources().serviceEntries()).hasSize(21);

        FolderSnapshot after = source.folder().refresh();
        assertThat(after.files()).hasSize(21);
        before.files().forEach((name, file) -> assertThat(after.files().get(name).parsed())
                .as("%s not parsed again", name).isSameAs(file.parsed()));
    }

    @Test
    void aHandEditOfAFileTheApiWroteIsSeenByTheNextCall() throws Exception {
        apply(FolderStoreTest.entry("books", 443));
        StoredObject written = store.get(ResourceKind.SERVICE_ENTRY, "default", "books");
        Path file = dir.resolve(written.file());

        // In place, the same size, straight after the write: only the text tells the change.
        Files.writeString(file, Files.readString(file).replace("443", "444"));
        StoredObject edited = store.get(ResourceKind.SERVICE_ENTRY, "default", "books");
        assertThat(edited.object().path("spec").path("ports").get(0).path("number").intValue()).isEqualTo(444);
        assertThat(edited.resourceVersion()).isNotEqualTo(written.resourceVersion());

        // The stale version is refused; the current one goes through and is in force.
        ApplyResult again = apply(FolderStoreTest.entry("books", 445));
        assertThat(again.outcomes().get(0).action()).isEqualTo(Action.CONFIGURED);
        assertThat(applied.get(applied.size() - 1).resources().serviceEntries())
                .filteredOn(e -> e.id().name().equals("books"))
                .singleElement().satisfies(e -> assertThat(e.ports().get(0).number()).isEqualTo(445));
    }

    @Test
    void aDeleteAndAnInvalidChangeLeaveTheFolderAndTheConfigurationRight() throws Exception {
        apply(FolderStoreTest.entry("books", 443));
        store.delete(ResourceKind.SERVICE_ENTRY, "default", "fill-3", null, false);
        assertThat(Files.exists(dir.resolve("fill-3.yaml"))).isFalse();
        assertThat(applied.get(applied.size() - 1).resources().serviceEntries()).hasSize(20);

        // Two MONGO entries on one port clash: a cross-resource rule, checked on the whole folder.
        String mongo = FolderStoreTest.entry("%s", 27017).replace("protocol: HTTPS", "protocol: MONGO")
                .replace("name: https", "name: mongo");
        apply(mongo.replace("%s", "one"));
        int appliedBefore = applied.size();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> apply(mongo.replace("%s", "two")))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID));
        assertThat(applied).as("nothing applied after a refused change").hasSize(appliedBefore);
        assertThat(store.list(ResourceKind.SERVICE_ENTRY, null)).hasSize(21);
        assertThat(Files.exists(dir.resolve("serviceentry.default.two.yaml"))).isFalse();
    }
}
