package io.portcullis.telemetry;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Writes access-log lines off the event loop: {@link #write} freezes the connection's record and
 * enqueues it; one daemon thread formats ({@link AccessLogFormat}) what has queued up and writes
 * it in one batch to stdout or a file. While lines keep coming the writer wakes every
 * {@value #TICK_MILLIS} ms on its own, and producers wake no one (waking the writer per line cost
 * each connection a futex call on the event loop and a context switch plus a write(2) on the
 * writer). Once a round finds nothing to write it sleeps until a record arrives: the first producer
 * to find it asleep wakes it ({@link WriterWake}), once, and the next records wait for the tick
 * after that, so a line is at most about {@value #TICK_MILLIS} ms late and an idle gateway's writer
 * costs nothing. Lines are kept, not dropped, under load: the queue is unbounded, so a slow disk
 * costs memory, never a line, and never an event loop's time.
 *
 * <p>{@link #reopen} (SIGHUP, after logrotate renamed the file) makes the writer thread close
 * and reopen the file by name before its next batch, so no queued line is lost or written to
 * the renamed file after the request.
 */
// close() waits for the writer thread to drain; an interrupt there is the caller's to handle, not hidden here.
@SuppressWarnings("try")
public final class AccessLog implements AutoCloseable {
    private static final int BATCH = 1024;
    static final long TICK_MILLIS = 20;

    private final Queue<ConnectionRecord> queue = new ConcurrentLinkedQueue<>();
    private final AccessLogFormat format;
    private final Path file;
    private final Thread writer;
    private final WriterWake wake;
    /** What ends the writer's sleep: a record queued, or the log closing. */
    private final BooleanSupplier workToDo;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<ConnectionRecord>> recordListeners = new CopyOnWriteArrayList<>();
    private Writer out;
    private volatile boolean reopenRequested;
    private volatile boolean closed;

    private AccessLog(Writer out, Path file, AccessLogFormat format) {
        this.out = out;
        this.file = file;
        this.format = format;
        this.writer = new Thread(this::drain, "access-log");
        this.writer.setDaemon(true);
        this.wake = new WriterWake(writer);
        this.workToDo = () -> !queue.isEmpty() || closed;
        this.writer.start();
    }

    public static AccessLog toStdout(PrintStream stdout) {
        return toStdout(stdout, AccessLogFormat.TEXT);
    }

    public static AccessLog toStdout(PrintStream stdout, AccessLogFormat format) {
        return new AccessLog(new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8)), null, format);
    }

    public static AccessLog toFile(Path file) throws IOException {
        return toFile(file, AccessLogFormat.TEXT);
    }

    public static AccessLog toFile(Path file, AccessLogFormat format) throws IOException {
        return new AccessLog(open(file), file, format);
    }

    private static Writer open(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public AccessLogFormat format() {
        return format;
    }

    /** Freezes {@code log} and queues its line; a connection already written is not written again. */
    public void write(ConnectionLog log) {
        ConnectionRecord record = log.close();
        if (record != null) {
            write(record);
        }
    }

    /** Queues an already frozen record; wakes the writer only if it sleeps for want of records. */
    public void write(ConnectionRecord record) {
        queue.add(record);
        wake.recordQueued();
    }

    /** Asks the writer to reopen the file by name before its next batch (logrotate); a no-op for stdout. */
    public void reopen() {
        reopenRequested = true;
    }

    /** Also hands every line to {@code listener} (on the writer thread); for tests and the live view. */
    public void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    /**
     * Also hands every record to {@code listener} on the writer thread, after its line is written
     * (the learner): it must not block, and costs the event loops nothing.
     */
    public void onRecord(Consumer<ConnectionRecord> listener) {
        recordListeners.add(listener);
    }

    private void drain() {
        List<String> lines = new ArrayList<>();
        while (true) {
            boolean last = closed;
            // Before every batch, so that a reopen asked for under a steady stream takes effect at the next one.
            reopenIfAsked();
            boolean wrote = false;
            while (writeBatch(lines)) {
                wrote = true;
                reopenIfAsked();
            }
            if (last) {
                break;
            }
            if (wrote) {
                // Lines are coming: let more queue up for one tick, unwoken, and write them as one batch.
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
            } else {
                wake.sleepUntilQueued(workToDo);
            }
        }
        try {
            out.flush();
            if (file != null) {
                out.close();
            }
        } catch (IOException e) {
            System.err.println("portcullis: access log close failed: " + e.getMessage());
        }
    }

    /** Writes up to {@value #BATCH} queued lines and flushes them; false when the queue was empty. */
    private boolean writeBatch(List<String> lines) {
        ConnectionRecord r = queue.poll();
        if (r == null) {
            return false;
        }
        try {
            do {
                String line = formatted(r);
                if (line != null) {
                    lines.add(line);
                    out.write(line);
                    out.write('\n');
                }
                for (Consumer<ConnectionRecord> l : recordListeners) {
                    l.accept(r);
                }
            } while (lines.size() < BATCH && (r = queue.poll()) != null);
            publish(lines);
        } catch (IOException | RuntimeException e) {
            System.err.println("portcullis: access log write failed: " + e.getMessage());
            lines.clear();
        }
        return true;
    }

    /** Flushes the lines written so far and hands them to the listeners. */
    private void publish(List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        out.flush();
        for (String line : lines) {
            listeners.forEach(l -> l.accept(line));
        }
        lines.clear();
    }

    /** One record's line; a record that cannot be formatted (a bug) costs that line only, never the batch. */
    private String formatted(ConnectionRecord r) {
        try {
            return format.format(r);
        } catch (RuntimeException e) {
            System.err.println("portcullis: cannot format an access-log record from " + r.downstreamRemote() + ": " + e);
            return null;
        }
    }

    private void reopenIfAsked() {
        if (!reopenRequested || file == null) {
            return;
        }
        reopenRequested = false;
        Writer next;
        try {
            next = open(file);
        } catch (IOException e) {
            // Keep writing to the old (renamed) file rather than lose lines; try again next batch.
            System.err.println("portcullis: cannot reopen access log " + file + ": " + e.getMessage());
            reopenRequested = true;
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            System.err.println("portcullis: closing the rotated access log: " + e.getMessage());
        }
        out = next;
    }

    /** The writer thread (tests: whether it sleeps). */
    Thread writerThread() {
        return writer;
    }

    /** Writes what is queued, then stops the writer thread. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        LockSupport.unpark(writer);
        writer.join(10_000);
    }
}
