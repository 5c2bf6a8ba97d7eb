package io.portcullis.sources;

import io.portcullis.model.ParsedFile;
import io.portcullis.model.Problem;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The configuration folder at one refresh of a {@link ParsedFolder}: its files by name, parsed,
 * and the files that could not be read. Validated whole on first use of {@link #load}, once.
 * Immutable and thread-safe.
 */
public final class FolderSnapshot {
    private final SortedMap<String, FolderFile> files;
    private final List<Problem> readProblems;
    /** For a candidate ({@link #with}): the snapshot it was made from; null otherwise. */
    private final FolderSnapshot base;
    private volatile LoadResult loaded;

    private FolderSnapshot(SortedMap<String, FolderFile> files, List<Problem> readProblems, FolderSnapshot base) {
        this.files = files;
        this.readProblems = readProblems;
        this.base = base;
    }

    static FolderSnapshot of(SortedMap<String, FolderFile> files, List<Problem> readProblems) {
        return new FolderSnapshot(Collections.unmodifiableSortedMap(new TreeMap<>(files)), List.copyOf(readProblems),
                null);
    }

    /**
     * The folder as it would be with {@code changes} made, only the changed files parsed: a
     * candidate a writer validates ({@link #load}) before writing, then hands to
     * {@link ParsedFolder#adopt} once written, so nothing is parsed or validated twice.
     *
     * @param changes file name to its new text; a null text removes the file
     */
    public FolderSnapshot with(Map<String, String> changes) {
        Map<String, FolderFile> parsed = new LinkedHashMap<>();
        changes.forEach((name, text) -> parsed.put(name, text == null ? null : FolderFile.unwritten(name, text)));
        return withFiles(parsed);
    }

    /**
     * As {@link #with}, the changed files already parsed ({@link FolderFile#unwritten}): for a
     * writer that holds the trees it writes.
     *
     * @param changes file name to its new content; a null file is removed
     */
    public FolderSnapshot withFiles(Map<String, FolderFile> changes) {
        SortedMap<String, FolderFile> next = new TreeMap<>(files);
        changes.forEach((name, file) -> {
            if (file == null) {
                next.remove(name);
            } else {
                next.put(name, file);
            }
        });
        return new FolderSnapshot(Collections.unmodifiableSortedMap(next), readProblems, this);
    }

    /** For a candidate, the snapshot it was made from; null otherwise. */
    FolderSnapshot base() {
        return base;
    }

    /** This snapshot, taking {@code candidate}'s validation when it was done: the same parses, the same result. */
    FolderSnapshot withLoadOf(FolderSnapshot candidate) {
        loaded = candidate.loaded;
        return this;
    }

    /**
     * This snapshot with {@code same}: the same file names with the same parses (some read again),
     * so the validation already done carries over; this snapshot itself when nothing was read again.
     */
    FolderSnapshot withSameTexts(SortedMap<String, FolderFile> same) {
        boolean identical = true;
        for (var e : same.entrySet()) {
            identical &= e.getValue() == files.get(e.getKey());
        }
        if (identical) {
            return this;
        }
        FolderSnapshot next = of(same, readProblems);
        next.loaded = loaded;
        return next;
    }

    /**
     * Whether {@code other} holds the same files with the same texts and the same read problems
     * (files read again with unchanged text count as the same): nothing to load again.
     */
    public boolean sameTexts(FolderSnapshot other) {
        if (other == this) {
            return true;
        }
        if (other == null || !other.readProblems.equals(readProblems) || other.files.size() != files.size()) {
            return false;
        }
        // Both sorted by name: walked side by side, no look-ups.
        var theirs = other.files.entrySet().iterator();
        for (var mine : files.entrySet()) {
            var t = theirs.next();
            if (!mine.getKey().equals(t.getKey()) || !mine.getValue().sameParseAs(t.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** The readable configuration files, by name (which is also their order of precedence). */
    public SortedMap<String, FolderFile> files() {
        return files;
    }

    /** A problem for each file or folder that could not be read. */
    public List<Problem> readProblems() {
        return readProblems;
    }

    /** The whole folder, validated; the same result each call. */
    public LoadResult load() {
        LoadResult r = loaded;
        if (r == null) {
            r = FolderLoader.assemble(parsed(), readProblems);
            loaded = r;
        }
        return r;
    }

    /**
     * The folder as it would be with {@code changes} made, validated whole: only the changed
     * files are parsed.
     *
     * @param changes file name to its new text; a null text removes the file
     */
    public LoadResult loadWith(Map<String, String> changes) {
        return with(changes).load();
    }

    /** The parsed files in name order (a linked map: no sorting again). */
    private Map<String, ParsedFile> parsed() {
        Map<String, ParsedFile> out = new LinkedHashMap<>();
        files.forEach((name, f) -> out.put(name, f.parsed()));
        return out;
    }
}
