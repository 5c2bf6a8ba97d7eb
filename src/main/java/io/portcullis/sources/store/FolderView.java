package io.portcullis.sources.store;

import io.portcullis.model.Problem;
import io.portcullis.model.RawFile;
import io.portcullis.model.RawFile.RawObject;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.FolderLoader.FolderFiles;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The configuration folder as read at one moment: every file's text, cut into segments, and an
 * index from (kind, namespace, name) to where each resource is written. Built per request, so a
 * hand edit is always seen; blocking file I/O, never on an event loop. Immutable.
 */
final class FolderView {
    /** Identifies a resource across kinds of different API groups. */
    record Key(ResourceKind kind, String namespace, String name) {
        @Override
        public String toString() {
            return kind.kind() + "/" + namespace + "/" + name;
        }
    }

    /** Where a resource is written: a file, the segment of it, the object as written. */
    record Location(String file, int segment, RawObject object, Instant fileModified) {}

    private final FolderFiles files;
    private final Map<String, RawFile> rawFiles;
    private final Map<Key, Location> index;
    private LoadResult loaded;

    private FolderView(FolderFiles files, Map<String, RawFile> rawFiles, Map<Key, Location> index) {
        this.files = files;
        this.rawFiles = rawFiles;
        this.index = index;
    }

    static FolderView read(Path dir) {
        FolderFiles files = FolderLoader.readFiles(dir);
        Map<String, RawFile> raw = new LinkedHashMap<>();
        Map<Key, Location> index = new LinkedHashMap<>();
        files.texts().forEach((name, text) -> {
            RawFile file = RawFile.split(name, text);
            raw.put(name, file);
            Instant modified = modified(dir.resolve(name));
            for (int i = 0; i < file.segments().size(); i++) {
                for (RawObject o : file.segments().get(i).objects()) {
                    Key key = key(o);
                    if (key != null) {
                        // The first definition is the one in force; a second one makes the folder invalid anyway.
                        index.putIfAbsent(key, new Location(name, i, o, modified));
                    }
                }
            }
        });
        return new FolderView(files, raw, index);
    }

    /** The key of a raw object, or null for kinds the API does not know. */
    static Key key(RawObject o) {
        return ResourceKind.of(o.apiVersion(), o.id().kind())
                .map(k -> new Key(k, o.id().namespace(), o.id().name()))
                .orElse(null);
    }

    SortedMap<String, String> texts() {
        return files.texts();
    }

    List<Problem> readProblems() {
        return files.problems();
    }

    RawFile file(String name) {
        return rawFiles.get(name);
    }

    Location find(Key key) {
        return index.get(key);
    }

    List<Location> all() {
        return new ArrayList<>(index.values());
    }

    /** The folder validated as it is now: the errors a change must not add to. */
    LoadResult loaded() {
        if (loaded == null) {
            loaded = FolderLoader.fromFiles(files.texts(), files.problems());
        }
        return loaded;
    }

    private static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }
}
