package io.portcullis.sources;

import io.portcullis.model.LiteralSplit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes several files of the configuration folder all together or not at all, durably, even
 * across a {@code kill -9} or a power cut.
 *
 * <p>Each new content is written to a hidden temporary file and fsynced; then a journal naming
 * every rename and removal is written the same way and renamed into place: that rename is the
 * commit point. The renames and removals follow, each atomic, and the journal is removed. A
 * writer that dies before the commit point leaves only hidden temporary files, which
 * {@link #recover} removes (the old state); one that dies after it leaves the journal, which
 * {@link #recover} completes (the new state). No file is ever seen half-written: the loader skips
 * hidden files, and {@link FolderSource} does not read the folder while a journal is present.
 *
 * <p>A change of one file needs no journal: the rename (or the removal) is itself atomic and the
 * commit point, so it costs the fsync of its temporary file and one of the folder.
 *
 * <p>Before the commit point the current content of every file to be changed is compared with
 * what the change was computed from: a file edited by hand in the meantime makes the commit fail
 * with {@link ConcurrentEditException} and changes nothing. Not thread-safe: one writer at a time.
 */
public final class FolderTransaction {
    private static final Logger LOG = LoggerFactory.getLogger(FolderTransaction.class);
    /** The commit record; hidden, so the loader never reads it. */
    static final String JOURNAL = ".portcullis-journal";
    private static final String JOURNAL_TMP = ".portcullis-journal.tmp";
    private static final String TEMP_PREFIX = ".portcullis-tmp-";

    private final Path dir;
    private final List<Op> ops = new ArrayList<>();

    /** One change: write {@code text} to {@code file}, or remove it when {@code text} is null. */
    private record Op(String file, String text, String expected) {}

    /** A file changed between reading it and committing a change computed from it. */
    public static final class ConcurrentEditException extends Exception {
        private static final long serialVersionUID = 1L;

        ConcurrentEditException(String file) {
            super(file + " was changed by someone else while this change was being made");
        }
    }

    public FolderTransaction(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes {@code text} to {@code file} (a plain name in the folder).
     *
     * @param expected the content the change was computed from; null when the file must not exist
     */
    public FolderTransaction write(String file, String text, String expected) {
        ops.add(new Op(checkName(file), Objects.requireNonNull(text, "text"), expected));
        return this;
    }

    /** Removes {@code file}, which must still hold {@code expected}. */
    public FolderTransaction delete(String file, String expected) {
        ops.add(new Op(checkName(file), null, Objects.requireNonNull(expected, "expected")));
        return this;
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    /** Makes every change, or none; returns once all of them are durable. */
    public void commit() throws IOException, ConcurrentEditException {
        if (ops.isEmpty()) {
            return;
        }
        // An earlier change interrupted after its commit point is completed first; the leftovers of
        // an uncommitted one are hidden and harmless, removed at the next start (recover).
        if (complete(dir)) {
            LOG.info("configuration folder {}: completed a change that was interrupted", dir);
        }
        if (ops.size() == 1) {
            commitOne(ops.get(0));
            return;
        }
        List<String> temps = new ArrayList<>();
        try {
            StringBuilder journal = new StringBuilder();
            for (Op op : ops) {
                if (op.text() == null) {
                    journal.append("delete\t").append(op.file()).append('\n');
                } else {
                    String temp = TEMP_PREFIX + UUID.randomUUID();
                    temps.add(temp);
                    write(dir.resolve(temp), op.text());
                    journal.append("rename\t").append(temp).append('\t').append(op.file()).append('\n');
                }
            }
            // Every temporary file made durable before the journal names it: all written first,
            // then synced together (ParallelSync), not one disk flush after the other.
            List<Path> written = new ArrayList<>(temps.size());
            temps.forEach(t -> written.add(dir.resolve(t)));
            ParallelSync.syncAll(written);
            for (Op op : ops) {
                if (!Objects.equals(current(op.file()), op.expected())) {
                    throw new ConcurrentEditException(op.file());
                }
            }
            writeDurably(dir.resolve(JOURNAL_TMP), journal.toString());
            Files.move(dir.resolve(JOURNAL_TMP), dir.resolve(JOURNAL), StandardCopyOption.ATOMIC_MOVE);
            syncDir(dir);
        } catch (IOException | ConcurrentEditException | RuntimeException e) {
            for (String t : temps) {
                Files.deleteIfExists(dir.resolve(t));
            }
            Files.deleteIfExists(dir.resolve(JOURNAL_TMP));
            throw e;
        }
        // Committed: from here on the change happens, now or at the next recovery.
        complete(dir);
    }

    /** One file written or removed: its own rename (or removal) is the commit point. */
    private void commitOne(Op op) throws IOException, ConcurrentEditException {
        Path target = dir.resolve(op.file());
        if (op.text() == null) {
            if (!Objects.equals(current(op.file()), op.expected())) {
                throw new ConcurrentEditException(op.file());
            }
            Files.delete(target);
            syncDir(dir);
            return;
        }
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            writeDurably(temp, op.text());
            if (!Objects.equals(current(op.file()), op.expected())) {
                throw new ConcurrentEditException(op.file());
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | ConcurrentEditException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        syncDir(dir);
    }

    /** Whether a committed change is being carried out (or was interrupted and awaits {@link #recover}). */
    public static boolean pending(Path dir) {
        return Files.exists(dir.resolve(JOURNAL));
    }

    /**
     * Completes an interrupted committed change and removes the leftovers of an uncommitted one.
     * Call before reading a folder a writer may have died in. Returns whether there was anything to do.
     */
    public static boolean recover(Path dir) throws IOException {
        boolean did = false;
        if (complete(dir)) {
            LOG.info("configuration folder {}: completed a change that was interrupted", dir);
            did = true;
        }
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, ".portcullis-*")) {
            for (Path p : leftovers) {
                String n = p.getFileName().toString();
                if (n.startsWith(TEMP_PREFIX) || n.equals(JOURNAL_TMP)) {
                    Files.deleteIfExists(p);
                    did = true;
                }
            }
        }
        if (did) {
            syncDir(dir);
        }
        return did;
    }

    /** Carries out the committed change the journal names, if there is one. */
    private static boolean complete(Path dir) throws IOException {
        Path journal = dir.resolve(JOURNAL);
        if (!Files.exists(journal)) {
            return false;
        }
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            replay(dir, line);
        }
        syncDir(dir);
        Files.delete(journal);
        syncDir(dir);
        return true;
    }

    private static void replay(Path dir, String line) throws IOException {
        String[] f = LiteralSplit.droppingTrailingEmpty(line, '\t');
        if (f.length == 3 && f[0].equals("rename")) {
            Path temp = dir.resolve(checkName(f[1]));
            if (Files.exists(temp)) {
                Files.move(temp, dir.resolve(checkName(f[2])), StandardCopyOption.ATOMIC_MOVE);
            }
        } else if (f.length == 2 && f[0].equals("delete")) {
            Files.deleteIfExists(dir.resolve(checkName(f[1])));
        } else if (!line.isBlank()) {
            throw new IOException("unreadable journal line in " + dir.resolve(JOURNAL) + ": " + line);
        }
    }

    private String current(String file) throws IOException {
        try {
            return FolderLoader.readText(dir.resolve(file));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void writeDurably(Path path, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, text);
            ch.force(true);
        }
    }

    /** Writes a new file, not yet durable: sync it ({@link ParallelSync}) before anything names it. */
    private static void write(Path path, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, text);
        }
    }

    private static void write(FileChannel ch, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            ch.write(bytes);
        }
    }


    /** Makes renames and removals in {@code dir} durable (fsync of the directory, as on Linux). */
    private static void syncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Only plain names of this folder: a journal must never move a file anywhere else. */
    private static String checkName(String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a plain file name: " + name);
        }
        return name;
    }
}
