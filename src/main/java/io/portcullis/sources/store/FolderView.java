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
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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
        /** By kind, then namespace and name: the order kubectl lists in. */
        static final Comparator<Key> ORDER = Comparator.comparing(Key::kind).thenComparing(Key::namespace)
                .thenComparing(Key::name);

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
    /** Sorted ({@link Key#ORDER}): a list is a range of it. */
    private final NavigableMap<Key, Location> index;
    /** Whether a key is defined more than once (an invalid folder): then the next view is built whole. */
    private final boolean duplicates;
    /**
     * Resources as served so far (with their version, a hash of the normalized tree: the costly part
     * of a list), shared from view to view and trusted while the object is the same instance, i.e.
     * the same file version. Changed under the store's lock only. The trees are shared: never change them.
     */
    private final Map<Key, Versioned> versions;

    private FolderView(FolderSnapshot snapshot, NavigableMap<Key, Location> index, boolean duplicates,
                       Map<Key, Versioned> versions) {
        this.snapshot = snapshot;
        this.index = index;
        this.duplicates = duplicates;
        this.versions = versions;
    }

    /**
     * A view of {@code snapshot}. From {@code previous} (may be null) it keeps the resources served
     * so far, and its index but for the files that differ: a change costs the files it touched.
     */
    static FolderView of(FolderSnapshot snapshot, FolderView previous) {
        if (previous == null) {
            return of(snapshot);
        }
        if (previous.duplicates) {
            return build(snapshot, previous.versions);
        }
        List<Map.Entry<String, FolderFile>> gone = new ArrayList<>();
        List<Map.Entry<String, FolderFile>> added = new ArrayList<>();
        diff(previous.snapshot.files(), snapshot.files(), gone, added);
        NavigableMap<Key, Location> index = new TreeMap<>(previous.index);
        for (Map.Entry<String, FolderFile> e : gone) {
            for (RawObject o : e.getValue().raw().objects()) {
                Key key = key(o);
                if (key != null) {
                    index.remove(key);
                    previous.versions.remove(key);
                }
            }
        }
        for (Map.Entry<String, FolderFile> e : added) {
            if (!put(index, e.getKey(), e.getValue())) {
                // Defined twice: which definition is in force takes the whole folder's order.
                return build(snapshot, previous.versions);
            }
        }
        return new FolderView(snapshot, index, false, previous.versions);
    }

    static FolderView of(FolderSnapshot snapshot) {
        return build(snapshot, new HashMap<>());
    }

    private static FolderView build(FolderSnapshot snapshot, Map<Key, Versioned> versions) {
        NavigableMap<Key, Location> index = new TreeMap<>(Key.ORDER);
        boolean duplicates = false;
        for (Map.Entry<String, FolderFile> e : snapshot.files().entrySet()) {
            // The first definition is the one in force; a second one makes the folder invalid anyway.
            duplicates |= !put(index, e.getKey(), e.getValue());
        }
        versions.keySet().retainAll(index.keySet());
        return new FolderView(snapshot, index, duplicates, versions);
    }

    /** Indexes the resources of one file; false when one of them was already indexed (and is left as it was). */
    private static boolean put(Map<Key, Location> index, String name, FolderFile f) {
        boolean alone = true;
        RawFile file = f.raw();
        for (int i = 0; i < file.segments().size(); i++) {
            for (RawObject o : file.segments().get(i).objects()) {
                Key key = key(o);
                if (key != null) {
                    alone &= index.putIfAbsent(key, new Location(name, i, o, f.modified())) == null;
                }
            }
        }
        return alone;
    }

    /** The files of {@code before} that are not in {@code after} as they were, and those of {@code after} that are new or changed. */
    private static void diff(SortedMap<String, FolderFile> before, SortedMap<String, FolderFile> after,
                             List<Map.Entry<String, FolderFile>> gone, List<Map.Entry<String, FolderFile>> added) {
        Iterator<Map.Entry<String, FolderFile>> b = before.entrySet().iterator();
        Iterator<Map.Entry<String, FolderFile>> a = after.entrySet().iterator();
        Map.Entry<String, FolderFile> x = b.hasNext() ? b.next() : null;
        Map.Entry<String, FolderFile> y = a.hasNext() ? a.next() : null;
        while (x != null || y != null) {
            int order = x == null ? 1 : y == null ? -1 : x.getKey().compareTo(y.getKey());
            if (order == 0 && x.getValue() == y.getValue()) {
                x = b.hasNext() ? b.next() : null;
                y = a.hasNext() ? a.next() : null;
                continue;
            }
            if (order <= 0) {
                gone.add(x);
                x = b.hasNext() ? b.next() : null;
            }
            if (order >= 0) {
                added.add(y);
                y = a.hasNext() ? a.next() : null;
            }
        }
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
        // Identity on purpose: the same parsed object, not a deep comparison of two trees.
        @SuppressWarnings("ReferenceEquality")
        boolean sameObject = v != null && v.object() == at.object();
        if (!sameObject || !v.fileModified().equals(at.fileModified())) {
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

    /** The resources of {@code kind} in {@code namespace} (null: every namespace), by namespace and name. */
    List<Map.Entry<Key, Location>> list(ResourceKind kind, String namespace) {
        // Namespaces are DNS labels: "\0" sorts after a namespace and before any longer one, U+FFFF after all.
        Key from = new Key(kind, namespace == null ? "" : namespace, "");
        Key to = new Key(kind, namespace == null ? "\uffff" : namespace + "\0", "");
        return new ArrayList<>(index.subMap(from, true, to, false).entrySet());
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
