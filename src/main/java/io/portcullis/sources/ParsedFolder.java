package io.portcullis.sources;

import io.portcullis.model.Problem;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The configuration folder kept parsed between reads, so that a change costs the parse of the
 * files it touched, not of the whole folder. A full {@link #refresh()} lists the folder and looks at
 * every file's size, modification and change times and inode (one {@code stat} each); only a file whose
 * stamp differs from the last read is read and parsed again. A watched folder ({@link FolderSource})
 * is looked at by name instead ({@link #refresh(Collection)}): only the files the watch named, and a
 * writer's own files are taken in as written ({@link #adopt}), so one change costs one file's
 * {@code stat}, read and parse, whatever the size of the folder. Validation of the rules between
 * resources runs on the whole set ({@link FolderSnapshot#load}), from the parsed files, once per snapshot.
 *
 * <p>A file written in place twice within one tick of the file system's clock, to the same size,
 * keeps its stamp. So, as git does for its index, a stamp is trusted only once the file was read
 * well after its last change ({@link #SETTLE}); until then the file is read again
 * at each refresh (by name too) and parsed again only if its text changed. A file that changes while it is read
 * is read again at the next refresh. A file reached through a symbolic link is looked at on every
 * refresh: its target can change with no event in the folder.
 *
 * <p>Thread-safe: refreshes are serialized; snapshots are immutable. Blocking file I/O: never
 * call it on an event loop.
 */
public final class ParsedFolder {
    /**
     * How long after its last change a file must have been read for its stamp to be trusted: more
     * than the coarsest clock tick of a file system that keeps modification times (one second,
     * ext3), so no write can hide behind an unchanged stamp.
     */
    static final Duration SETTLE = Duration.ofSeconds(2);

    private final Path dir;
    private final long settleNanos;
    private FolderSnapshot current;
    /** Whether a full look was taken since the folder was made; a look by name needs one to start from. */
    private boolean scanned;
    /** The files looked at on every refresh, even by name: those not settled yet, and symbolic links. */
    private final Set<String> unsure = new TreeSet<>();
    /** Set by a {@link FolderSource} that watches the folder: its changes are then looked at by name. */
    private volatile boolean watched;

    public ParsedFolder(Path dir) {
        this(dir, SETTLE);
    }

    /** With another settling time: for tests. */
    ParsedFolder(Path dir, Duration settle) {
        this.dir = dir;
        this.settleNanos = settle.toNanos();
        this.current = FolderSnapshot.of(new TreeMap<>(), List.of());
    }

    public Path dir() {
        return dir;
    }

    /** Whether a watch tells this folder of its changes, so that readers may look at it by name. */
    public boolean watched() {
        return watched;
    }

    void watchedBy(FolderSource source) {
        watched = source != null;
    }

    /** The folder as last looked at, with no file I/O. */
    public synchronized FolderSnapshot current() {
        return current;
    }

    /**
     * The folder as it is now. When nothing changed since the last refresh this is the same
     * snapshot, with its validation already done.
     */
    public synchronized FolderSnapshot refresh() {
        scanned = true;
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            String what = Files.exists(dir) ? "not a folder" : "no such folder";
            problems.add(Problem.error(dir.toString(), null, null, what));
            return replace(new TreeMap<>(), problems);
        }
        SortedMap<String, FolderFile> next = new TreeMap<>();
        boolean changed = false;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                if (!FolderLoader.isConfigFileName(name)) {
                    continue;
                }
                FolderFile before = current.files().get(name);
                try {
                    Stamp stamp = Stamp.of(p);
                    if (stamp == null) {
                        continue; // not a regular file
                    }
                    if (before != null && before.stamp().equals(stamp) && before.settled(settleNanos)) {
                        next.put(name, before);
                    } else {
                        FolderFile now = read(p, name, stamp, before);
                        next.put(name, now);
                        changed |= !now.sameParseAs(before);
                    }
                } catch (NoSuchFileException e) {
                    // Removed between the listing and the stat: the same as not listed.
                } catch (IOException | RuntimeException e) {
                    problems.add(Problem.error(name, null, null, "cannot read: " + FolderLoader.describe(e)));
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(Problem.error(dir.toString(), null, null, "cannot list the folder: " + FolderLoader.describe(e)));
            return replace(new TreeMap<>(), problems);
        }
        unsure.clear();
        next.forEach(this::noteUnsure);
        if (!changed && problems.isEmpty() && current.readProblems().isEmpty()
                && next.keySet().equals(current.files().keySet())) {
            // The same texts: the validation already done still holds (and files read again now are
            // remembered as such, so they settle).
            current = current.withSameTexts(next);
            return current;
        }
        return replace(next, problems);
    }

    /**
     * The folder with only {@code names} looked at again (a name that is no configuration file is
     * skipped), plus every file whose stamp is not trusted yet and every symbolic link: what a
     * watched folder needs once the watch has named what changed. Falls back to a full
     * {@link #refresh()} before the first one and while a file or the folder could not be read.
     */
    public synchronized FolderSnapshot refresh(Collection<String> names) {
        if (!scanned || !current.readProblems().isEmpty()) {
            return refresh();
        }
        Set<String> look = new TreeSet<>();
        for (String name : names) {
            if (FolderLoader.isConfigFileName(name) && name.indexOf('/') < 0) {
                look.add(name);
            }
        }
        look.addAll(unsure);
        if (look.isEmpty()) {
            return current;
        }
        SortedMap<String, FolderFile> next = new TreeMap<>(current.files());
        boolean changed = false;
        for (String name : look) {
            FolderFile before = current.files().get(name);
            Path p = dir.resolve(name);
            try {
                Stamp stamp = Stamp.of(p);
                if (stamp == null) {
                    changed |= next.remove(name) != null; // no longer a regular file
                } else if (before == null || !before.stamp().equals(stamp) || !before.settled(settleNanos)) {
                    FolderFile now = read(p, name, stamp, before);
                    next.put(name, now);
                    changed |= !now.sameParseAs(before);
                }
            } catch (NoSuchFileException e) {
                changed |= next.remove(name) != null;
            } catch (IOException | RuntimeException e) {
                // Reported as a full look would: the next looks are full ones until it is readable again.
                return refresh();
            }
        }
        for (String name : look) {
            noteUnsure(name, next.get(name));
        }
        if (!changed) {
            current = current.withSameTexts(next);
            return current;
        }
        return replace(next, List.of());
    }

    /**
     * Takes in a writer's change: {@code candidate} is the folder this one held with the texts the
     * writer has just written ({@link FolderSnapshot#with}), {@code names} the files it wrote or
     * removed. Written files are stamped as they are now (and, written just now, read again at the
     * next refresh, which tells a hand edit made meanwhile); the candidate's parses, and its
     * validation when nothing else changed in between, carry over. Falls back to looking at
     * {@code names} when the folder changed since the candidate was made.
     */
    public synchronized FolderSnapshot adopt(FolderSnapshot candidate, Collection<String> names) {
        // The files may have been read again since (the watch, another reader): the same texts will do.
        if (candidate.base() == null || !candidate.base().sameTexts(current) || !current.readProblems().isEmpty()) {
            return refresh(names);
        }
        SortedMap<String, FolderFile> next = new TreeMap<>(current.files());
        long readAt = nowNanos();
        for (String name : names) {
            FolderFile written = candidate.files().get(name);
            if (written == null) {
                next.remove(name);
                continue;
            }
            try {
                Stamp stamp = Stamp.of(dir.resolve(name));
                if (stamp == null) {
                    return refresh(names);
                }
                next.put(name, written.seenAgain(stamp, readAt, Files.isSymbolicLink(dir.resolve(name))));
            } catch (IOException | RuntimeException e) {
                return refresh(names);
            }
        }
        for (String name : names) {
            noteUnsure(name, next.get(name));
        }
        current = FolderSnapshot.of(next, current.readProblems()).withLoadOf(candidate);
        return current;
    }

    private void noteUnsure(String name, FolderFile f) {
        if (f != null && (f.link() || !f.settled(settleNanos))) {
            unsure.add(name);
        } else {
            unsure.remove(name);
        }
    }

    private FolderSnapshot replace(SortedMap<String, FolderFile> files, List<Problem> problems) {
        current = FolderSnapshot.of(files, problems);
        return current;
    }

    /**
     * Reads a file that is new, changed, or changed too recently for its stamp to be trusted;
     * when its text is what {@code before} holds, {@code before}'s parse is kept.
     */
    private static FolderFile read(Path p, String name, Stamp stamp, FolderFile before) throws IOException {
        long readAt = nowNanos();
        String text = FolderLoader.readText(p);
        // A file rewritten while it was read gets a stamp no file has, so the next refresh reads it again.
        Stamp after = Stamp.of(p);
        Stamp kept = Objects.equals(stamp, after) ? stamp : stamp.unsettled();
        boolean link = Files.isSymbolicLink(p);
        if (before != null && before.text().equals(text)) {
            return before.seenAgain(kept, readAt, link);
        }
        return FolderFile.parse(name, kept, text, readAt, link);
    }

    static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * What tells a file's versions apart without reading it. The change time is there because a
     * copy that keeps the modification time ({@code cp -p}, {@code touch -r}) still changes it, and
     * no program can set it back.
     */
    record Stamp(long size, long modifiedNanos, long changedNanos, Object fileKey) {
        private static final String UNIX = "unix:size,lastModifiedTime,ctime,ino,dev,isRegularFile";
        /** The stamp of a text not yet written: equal to no file's. */
        static final Stamp NONE = new Stamp(-1, 0, 0, new Object());

        /** Null when {@code p} is not a regular file. */
        static Stamp of(Path p) throws IOException {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(p, UNIX);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // Not a Unix file system view: size, modification time and file key only.
                BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class);
                return b.isRegularFile() ? new Stamp(b.size(), b.lastModifiedTime().to(TimeUnit.NANOSECONDS), 0,
                        b.fileKey()) : null;
            }
            if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
                return null;
            }
            return new Stamp((Long) a.get("size"), ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                    ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS), a.get("dev") + ":" + a.get("ino"));
        }

        /** This stamp made unequal to every other, the file's own included. */
        Stamp unsettled() {
            return new Stamp(size, modifiedNanos, changedNanos, new Object());
        }

        java.time.Instant modified() {
            return java.time.Instant.EPOCH.plusNanos(modifiedNanos);
        }
    }
}
