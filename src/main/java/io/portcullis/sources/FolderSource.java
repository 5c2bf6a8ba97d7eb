package io.portcullis.sources;

import io.portcullis.model.Problem;
import io.portcullis.model.ResourceSet;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watched configuration folder: loads it whole at start and again whenever a file in it
 * changes (inotify, with a periodic re-scan as a safety net), and hands each valid whole set to
 * the consumer.
 *
 * <p>When a change is read: a file written in place (an editor's save, {@code cat > file}, a
 * configuration tool flushing in several writes) is read once it has been quiet for
 * {@link #QUIET} (no further write event in the folder), so a half-written file is never applied
 * prefix by prefix; a writer that never pauses is read after {@code 10 × QUIET} anyway. A file
 * renamed into place (an atomic write, the admin API) and the Kubernetes ConfigMap {@code ..data}
 * symlink swap change the folder in one step and are read at once, after {@link #SETTLE}.
 *
 * <p>What is read: only the files the watch named (and those changed too recently for their stamp
 * to be trusted, see {@link ParsedFolder}), so a change costs the files it touched whatever the
 * size of the folder. The whole folder is looked at (one {@code stat} a file) at start, on
 * {@link #reloadNow}, when the watch lost events, when a ConfigMap's {@code ..data} link is swapped
 * (every file's target moves), and every {@link #FULL_RESCAN} as a safety net for a file system
 * that reports no events.
 *
 * <p>A set with errors is rejected whole: the consumer is not called, so the previous
 * configuration stays in force, and the errors are logged once per change. While a
 * {@link FolderTransaction} is being carried out the folder is not read, so a change made through
 * the admin API is seen whole or not at all.
 */
public final class FolderSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);
    /** A rename's companion events (the other half of a swap) arrive within this; then the folder is read. */
    private static final Duration SETTLE = Duration.ofMillis(100);
    /** A file written in place is read once no write event has come for this long. */
    public static final Duration QUIET = Duration.ofMillis(400);
    private static final Duration RESCAN = Duration.ofMillis(500);
    /** How often the whole folder is looked at even though the watch named nothing. */
    static final Duration FULL_RESCAN = Duration.ofSeconds(10);
    /** Rescans a pending change may take before it is reported (one rescan is {@link #RESCAN}). */
    private static final int PENDING_WARNING = 20;
    /** Immediate re-reads of a folder that keeps changing, for a forced reload, before giving up until the next change. */
    private static final int MAX_REREADS = 5;
    /** A writer that never pauses is read after this many quiet periods anyway. */
    private static final int MAX_QUIET_WAITS = 10;

    private final Path dir;
    /** Kept parsed between reloads: a change costs the parse of the files it touched. */
    private final ParsedFolder folder;
    private final Consumer<LoadResult> onValid;
    private final Consumer<LoadResult> onRejected;
    private final WatchService watch;
    private final Thread thread;
    private final Duration quiet;
    /** The folder as last handed on (or rejected); null before the first load and after an inconsistent read. */
    private FolderSnapshot lastSnapshot;
    /** What {@link #lastSnapshot} loaded to, as handed on (or rejected); null with it. */
    private LoadResult lastResult;
    private int deferred;
    /** The files the watch named since the last read; guards itself and {@link #everything}. */
    private final Set<String> named = new HashSet<>();
    /** Whether the watch saw a change that may touch any file (lost events, the ConfigMap swap). */
    private boolean everything;
    private volatile long lastFullLook = System.nanoTime();
    private volatile boolean closed;

    public FolderSource(Path dir, Consumer<LoadResult> onValid) throws IOException {
        this(dir, onValid, rejected -> { });
    }

    /** Like {@link #FolderSource(Path, Consumer)}, also telling {@code onRejected} of each set rejected whole. */
    public FolderSource(Path dir, Consumer<LoadResult> onValid, Consumer<LoadResult> onRejected) throws IOException {
        this(dir, onValid, onRejected, QUIET);
    }

    /** With another quiet period for files written in place (tests use a long one, so they never depend on speed). */
    FolderSource(Path dir, Consumer<LoadResult> onValid, Consumer<LoadResult> onRejected, Duration quiet)
            throws IOException {
        Files.createDirectories(dir);
        this.quiet = quiet;
        this.dir = dir;
        this.folder = new ParsedFolder(dir);
        this.folder.watchedBy(this);
        this.onValid = onValid;
        this.onRejected = onRejected;
        this.watch = FileSystems.getDefault().newWatchService();
        dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = new Thread(this::loop, "config-folder");
        this.thread.setDaemon(true);
    }

    /**
     * Completes a change a writer was making when it died ({@link FolderTransaction#recover}), loads
     * the folder once, on the calling thread, then watches it in the background.
     */
    public LoadResult start() {
        try {
            FolderTransaction.recover(dir);
        } catch (IOException e) {
            LOG.error("configuration folder {}: cannot complete an interrupted change: {}", dir, e.toString());
        }
        LoadResult first = reloadIfChanged(true, true, true);
        thread.start();
        if (first == null) {
            return new LoadResult(ResourceSet.EMPTY, List.of(Problem.error(dir.toString(), null, null,
                    "not loaded yet: the folder kept changing while it was read, or an interrupted change ("
                            + FolderTransaction.JOURNAL + ") could not be completed; it is read again on the next change")));
        }
        return first;
    }

    private void loop() {
        // Set while a file written in place waits for quiet: when its first write event came.
        long writingSince = 0;
        while (!closed) {
            try {
                boolean writing = writingSince != 0;
                WatchKey key = watch.poll(writing ? quiet.toMillis() : RESCAN.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    if (!writing) {
                        Thread.sleep(SETTLE.toMillis());
                    }
                    boolean writtenInPlace = drain(key);
                    if (writtenInPlace && !writing) {
                        writingSince = System.nanoTime();
                    }
                    if ((writing || writtenInPlace)
                            && System.nanoTime() - writingSince < quiet.toNanos() * MAX_QUIET_WAITS) {
                        continue;
                    }
                }
                writingSince = 0;
                reloadIfChanged(false, System.nanoTime() - lastFullLook > FULL_RESCAN.toNanos(), false);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("configuration folder {}: unexpected failure while reloading", dir, e);
            }
        }
    }

    /** The folder as this source last read it: for the admin API, so a file is parsed once for both. */
    public ParsedFolder folder() {
        return folder;
    }

    /**
     * Takes the key's events and notes the files they name; true when one says a file (not a dot
     * file: temporary files of atomic writes, the ConfigMap's {@code ..data}) was modified in place
     * rather than created, renamed or deleted.
     */
    private boolean drain(WatchKey key) {
        boolean inPlace = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                // Events were lost: nothing says the writer has finished, nor which files changed.
                inPlace = true;
                note(null);
            } else if (event.context() instanceof Path p) {
                String name = p.getFileName().toString();
                if (name.startsWith("..")) {
                    // The ConfigMap's ..data (or ..data_tmp) swapped: every file's link now leads elsewhere.
                    note(null);
                } else if (!name.startsWith(".")) {
                    note(name);
                    inPlace |= event.kind() == StandardWatchEventKinds.ENTRY_MODIFY;
                }
                // Other dot files (editors' and atomic writers' temporaries, the journal) are never read.
            }
        }
        key.reset();
        return inPlace;
    }

    /** Notes a file to read at the next pass; null: the whole folder. */
    private void note(String name) {
        synchronized (named) {
            if (name == null) {
                everything = true;
            } else {
                named.add(name);
            }
        }
    }

    /**
     * Loads the folder now, on the calling thread, and hands it to the consumer if it is valid: for
     * a writer (the admin API) that has just changed the folder and answers once it is in force.
     */
    public LoadResult reloadNow() {
        return reloadIfChanged(true, true, true);
    }

    /**
     * Like {@link #reloadNow}, for a writer that shares {@link #folder()} and has told it of the
     * files it wrote ({@link ParsedFolder#adopt}): looks only at those and at the files the watch
     * named, not at the whole folder. When the watch has already handed on these very files (it can
     * win the race on a busy machine), they are in force: that result is returned, nothing is
     * compiled twice.
     */
    public LoadResult reloadAfterWrite() {
        return reloadIfChanged(true, false, false);
    }

    /**
     * @param force     load even when nothing changed since the last hand-on (false: the watch's passes)
     * @param full      look at every file, not only those named since
     * @param handAgain with {@code force}, hand on again what was already handed on (false: return its result)
     */
    private synchronized LoadResult reloadIfChanged(boolean force, boolean full, boolean handAgain) {
        if (FolderTransaction.pending(dir)) {
            // A writer is renaming files into place; read the folder once it has finished.
            if (++deferred == PENDING_WARNING) {
                LOG.warn("configuration folder {}: a change is still pending ({} exists); not reloading until it"
                        + " completes or the gateway restarts", dir, FolderTransaction.JOURNAL);
            }
            return null;
        }
        deferred = 0;
        Set<String> names;
        boolean all;
        synchronized (named) {
            names = Set.copyOf(named);
            all = full || everything;
            named.clear();
            everything = false;
        }
        try {
            return reload(force, handAgain, all ? folder::refresh : () -> folder.refresh(names));
        } catch (RuntimeException e) {
            // Read them at the next pass.
            synchronized (named) {
                named.addAll(names);
                everything |= all;
            }
            throw e;
        } finally {
            if (all) {
                lastFullLook = System.nanoTime();
            }
        }
    }

    /** Reads the folder with {@code look} (the parsed folder re-reads only changed files), and hands it on. */
    private LoadResult reload(boolean force, boolean handAgain, Supplier<FolderSnapshot> look) {
        // A second look after the first tells whether anything changed meanwhile.
        FolderSnapshot snapshot = look.get();
        if (snapshot.sameTexts(lastSnapshot)) {
            if (!force) {
                return null;
            }
            if (!handAgain && lastResult != null) {
                return lastResult;
            }
        }
        LoadResult result = snapshot.load();
        for (int attempt = 1; ; attempt++) {
            FolderSnapshot after = look.get();
            if (after.sameTexts(snapshot) && !FolderTransaction.pending(dir)) {
                break;
            }
            // Files changed while being read: act on a consistent folder, never on a mix of old and new files.
            if (!force || attempt > MAX_REREADS) {
                lastSnapshot = null;
                lastResult = null;
                return null;
            }
            snapshot = after;
            result = snapshot.load();
        }
        lastSnapshot = snapshot;
        lastResult = result;
        if (result.hasErrors()) {
            LOG.error("configuration in {} rejected ({} error(s)); the previous configuration stays in force:",
                    dir, result.errors().size());
            result.errors().forEach(p -> LOG.error("  {}", p));
            onRejected.accept(result);
            return result;
        }
        for (Problem warning : result.warnings()) {
            LOG.warn("{}", warning);
        }
        onValid.accept(result);
        return result;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        folder.watchedBy(null);
        watch.close();
        thread.interrupt();
    }
}
