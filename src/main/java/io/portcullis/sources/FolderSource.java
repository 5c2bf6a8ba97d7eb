package io.portcullis.sources;

import io.portcullis.model.Problem;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
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
 * the consumer. A set with errors is rejected whole: the consumer is not called, so the previous
 * configuration stays in force, and the errors are logged once per change.
 */
public final class FolderSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);
    /** Editors write a file in several steps; let them finish before reading. */
    private static final Duration SETTLE = Duration.ofMillis(100);
    private static final Duration RESCAN = Duration.ofMillis(500);

    private final Path dir;
    private final Consumer<LoadResult> onValid;
    private final Consumer<LoadResult> onRejected;
    private final WatchService watch;
    private final Thread thread;
    private List<String> lastFingerprint = List.of();
    private volatile boolean closed;

    public FolderSource(Path dir, Consumer<LoadResult> onValid) throws IOException {
        this(dir, onValid, rejected -> { });
    }

    /** Like {@link #FolderSource(Path, Consumer)}, also telling {@code onRejected} of each set rejected whole. */
    public FolderSource(Path dir, Consumer<LoadResult> onValid, Consumer<LoadResult> onRejected) throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
        this.onValid = onValid;
        this.onRejected = onRejected;
        this.watch = FileSystems.getDefault().newWatchService();
        dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = new Thread(this::loop, "config-folder");
        this.thread.setDaemon(true);
    }

    /** Loads the folder once, on the calling thread, then watches it in the background. */
    public LoadResult start() {
        LoadResult first = reloadIfChanged(true);
        thread.start();
        return first;
    }

    private void loop() {
        while (!closed) {
            try {
                var key = watch.poll(RESCAN.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    Thread.sleep(SETTLE.toMillis());
                    key.pollEvents();
                    key.reset();
                }
                reloadIfChanged(false);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("configuration folder {}: unexpected failure while reloading", dir, e);
            }
        }
    }

    private LoadResult reloadIfChanged(boolean force) {
        List<String> fingerprint = fingerprint();
        if (!force && fingerprint.equals(lastFingerprint)) {
            return null;
        }
        lastFingerprint = fingerprint;
        LoadResult result = FolderLoader.load(dir);
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
