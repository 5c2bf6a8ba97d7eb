package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.Problem;
import io.portcullis.model.RawFile;
import io.portcullis.model.RawFile.RawObject;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.FolderFile;
import io.portcullis.sources.FolderSnapshot;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.ParsedFolder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The configuration folder as read at one moment: every file's text, cut into segments, and an
 * index from (kind, namespace, name) to where each resource is written. Made from a
 * {@link FolderSnapshot}, whose files are parsed and cut once per version, so a view costs one
 * pass over the folder's resources and no file reading. Immutable but for a cache of versions.
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

    /** A resource as served, computed for the object (one file version) and modification time it was computed from. */
    private record Versioned(RawObject object, Instant fileModified, StoredObject stored) {}

    private final FolderSnapshot snapshot;
    private final Map<Key, Location> index;
    /**
     * Resources as served so far (with their version, a hash of the normalized tree: the costly part
     * of a list), carried from view to view and trusted while the object is the same instance, i.e.
     * the same file version. Changed under the store's lock only. The trees are shared: never change them.
     */
    private final Map<Key, Versioned> versions;

    private FolderView(FolderSnapshot snapshot, Map<Key, Location> index, Map<Key, Versioned> versions) {
        this.snapshot = snapshot;
        this.index = index;
        this.versions = versions;
    }

    /** A view of {@code snapshot}, reusing the versions {@code previous} (may be null) computed for unchanged files. */
    static FolderView of(FolderSnapshot snapshot, FolderView previous) {
        FolderView view = of(snapshot);
        if (previous != null) {
            previous.versions.forEach((key, v) -> {
                Location at = view.index.get(key);
                if (at != null && at.object() == v.object()) {
                    view.versions.put(key, v);
                }
            });
        }
        return view;
    }

    static FolderView of(FolderSnapshot snapshot) {
        Map<Key, Location> index = new LinkedHashMap<>();
        snapshot.files().forEach((name, f) -> {
            RawFile file = f.raw();
            for (int i = 0; i < file.segments().size(); i++) {
                for (RawObject o : file.segments().get(i).objects()) {
                    Key key = key(o);
                    if (key != null) {
                        // The first definition is the one in force; a second one makes the folder invalid anyway.
                        index.putIfAbsent(key, new Location(name, i, o, f.modified()));
                    }
                }
            }
        });
        return new FolderView(snapshot, index, new HashMap<>());
    }

    /** A view of {@code dir} read afresh, nothing kept: for a one-off reader; a store keeps a {@link ParsedFolder}. */
    static FolderView read(Path dir) {
        return of(new ParsedFolder(dir).refresh());
    }

    FolderSnapshot snapshot() {
        return snapshot;
    }

    /** The key of a raw object, or null for kinds the API does not know. */
    static Key key(RawObject o) {
        return ResourceKind.of(o.apiVersion(), o.id().kind())
                .map(k -> new Key(k, o.id().namespace(), o.id().name()))
                .orElse(null);
    }

    /** A file's text, or null when there is no such readable file. */
    String text(String name) {
        FolderFile f = snapshot.files().get(name);
        return f == null ? null : f.text();
    }

    boolean hasFile(String name) {
        return snapshot.files().containsKey(name);
    }

    RawFile file(String name) {
        FolderFile f = snapshot.files().get(name);
        return f == null ? null : f.raw();
    }

    /** The {@code resourceVersion} of the resource at {@code at}. */
    String version(Key key, Location at) {
        return stored(key, at).resourceVersion();
    }

    /** The resource at {@code at} as served: made once per file version. Its tree is shared: never change it. */
    StoredObject stored(Key key, Location at) {
        Versioned v = versions.get(key);
        if (v == null || v.object() != at.object() || !v.fileModified().equals(at.fileModified())) {
            String ns = key.namespace();
            ObjectNode tree = at.object().tree();
            String version = ObjectNormalizer.version(tree, ns);
            String created = ObjectNormalizer.creationTimestamp(tree);
            if (created == null) {
                created = ObjectNormalizer.timestamp(at.fileModified());
            }
            v = new Versioned(at.object(), at.fileModified(), new StoredObject(key.kind(), ns, key.name(), version,
                    created, ObjectNormalizer.forResponse(tree, ns, version, created), at.file()));
            versions.put(key, v);
        }
        return v.stored();
    }

    Location find(Key key) {
        return index.get(key);
    }

    List<Location> all() {
        return new ArrayList<>(index.values());
    }

    /** The texts of every readable file, by name. */
    SortedMap<String, String> texts() {
        SortedMap<String, String> out = new TreeMap<>();
        snapshot.files().forEach((name, f) -> out.put(name, f.text()));
        return out;
    }

    List<Problem> readProblems() {
        return snapshot.readProblems();
    }

    /** The folder validated as it is now: the errors a change must not add to. */
    LoadResult loaded() {
        return snapshot.load();
    }
}
