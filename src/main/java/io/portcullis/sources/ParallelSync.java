package io.portcullis.sources;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Makes many files durable at once: one {@code fsync} each, issued from several threads together.
 *
 * <p>Why threads: a file system with delayed allocation (ext4, XFS) commits its journal once per
 * {@code fsync} that arrives alone, so 19,000 new files synced one after the other cost 19,000
 * disk flushes (tens of seconds); {@code fsync}s that arrive together share one commit. Blocking:
 * called from the admin store's thread, never from an event loop. A handful of files is synced on
 * the calling thread.
 */
final class ParallelSync {
    /** How many {@code fsync}s are in flight together (threads made for one call, then stopped). */
    static final int PARALLELISM = 16;

    private ParallelSync() {
    }

    /** Returns once every file is durable; the first failure is thrown (after every sync has ended). */
    static void syncAll(List<Path> files) throws IOException {
        if (files.size() <= 2) {
            for (Path f : files) {
                sync(f);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLELISM, files.size()), r -> {
            Thread t = new Thread(r, "config-fsync");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> syncs = new ArrayList<>(files.size());
            for (Path f : files) {
                syncs.add(pool.submit(() -> {
                    sync(f);
                    return null;
                }));
            }
            IOException failure = null;
            for (Future<?> s : syncs) {
                try {
                    s.get();
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof IOException io ? io
                                : new IOException("fsync failed: " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while making the configuration files durable", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One file's {@code fsync}; its data is durable whichever descriptor wrote it. */
    static void sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
