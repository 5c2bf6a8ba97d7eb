package io.portcullis.sources;

import io.portcullis.model.Problem;
import io.portcullis.model.ResourceSet;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
    /** Rescans a pending change may take before it is reported (one rescan is {@link #RESCAN}). */
    private static final int PENDING_WARNING = 20;
    /** Immediate re-reads of a folder that keeps changing, for a forced reload, before giving up until the next change. */
    private static final int MAX_REREADS = 5;
    /** A writer that never pauses is read after this many quiet periods anyway. */
    private static final int MAX_QUIET_WAITS = 10;
    private static final List<String> CHANGED_WHILE_READ = List.of("(changed while read)");

    private final Path dir;
    private final Consumer<LoadResult> onValid;
    private final Consumer<LoadResult> onRejected;
    private final WatchService watch;
    private final Thread thread;
    private final Duration quiet;
    private List<String> lastFingerprint = List.of();
    private int deferred;
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
        LoadResult first = reloadIfChanged(true);
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
                reloadIfChanged(false);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("configuration folder {}: unexpected failure while reloading", dir, e);
            }
        }
    }

    /**
     * Takes the key's events; true when one says a file (not a dot file: temporary files of atomic
     * writes, the ConfigMap's {@code ..data}) was modified in place rather than created, renamed or deleted.
     */
    private static boolean drain(WatchKey key) {
        boolean inPlace = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                // Events were lost: nothing says the writer has finished.
                inPlace = true;
            } else if (event.kind() == StandardWatchEventKinds.ENTRY_MODIFY && event.context() instanceof Path p
                    && !p.getFileName().toString().startsWith(".")) {
                inPlace = true;
            }
        }
        key.reset();
        return inPlace;
    }

    /**
     * Loads the folder now, on the calling thread, and hands it to the consumer if it is valid: for
     * a writer (the admin API) that has just changed the folder and answers once it is in force.
     */
    public LoadResult reloadNow() {
        return reloadIfChanged(true);
    }

    private synchronized LoadResult reloadIfChanged(boolean force) {
        if (FolderTransaction.pending(dir)) {
            // A writer is renaming files into place; read the folder once it has finished.
            if (++deferred == PENDING_WARNING) {
                LOG.warn("configuration folder {}: a change is still pending ({} exists); not reloading until it"
                        + " completes or the gateway restarts", dir, FolderTransaction.JOURNAL);
            }
            return null;
        }
        deferred = 0;
        List<String> fingerprint = fingerprint();
        if (!force && fingerprint.equals(lastFingerprint)) {
            return null;
        }
        LoadResult result = FolderLoader.load(dir);
        for (int attempt = 1; !fingerprint.equals(fingerprint()) || FolderTransaction.pending(dir); attempt++) {
            // Files changed while being read: act on a consistent folder, never on a mix of old and new files.
            if (!force || attempt > MAX_REREADS) {
                lastFingerprint = CHANGED_WHILE_READ;
                return null;
            }
            fingerprint = fingerprint();
            result = FolderLoader.load(dir);
        }
        lastFingerprint = fingerprint;
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

    /** Name, size, modification time and inode of every candidate file: cheap to compare every rescan. */
    private List<String> fingerprint() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (f.getFileName().toString().startsWith(".")) {
                    // Skipped by the loader too (editors' and atomic-rename temp files): not a change.
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(f.getFileName() + "|" + a.size() + "|" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS)
                        + "|" + a.fileKey());
            }
        } catch (IOException e) {
            out.add("unreadable:" + e.getMessage());
        }
        out.sort(null);
        return out;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        watch.close();
        thread.interrupt();
    }
}
