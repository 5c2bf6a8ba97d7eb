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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes access-log lines off the event loop: {@link #write} only enqueues; one daemon thread
 * drains the queue in batches to stdout or a file. Lines are kept, not dropped, under load.
 */
public final class AccessLog implements AutoCloseable {
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Writer out;
    private final Thread writer;
    private final List<Consumer<String>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private AccessLog(Writer out) {
        this.out = out;
        this.writer = new Thread(this::drain, "access-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    public static AccessLog toStdout(PrintStream stdout) {
        return new AccessLog(new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8)));
    }

    public static AccessLog toFile(Path file) throws IOException {
        return new AccessLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    public void write(ConnectionLog log) {
        if (log.finish()) {
            queue.add(log.toLine());
        }
    }

    /** Also hands every line to {@code listener} (on the writer thread); for tests and the live view. */
    public void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    private void drain() {
        List<String> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (String line : batch) {
                    out.write(line);
                    out.write('\n');
                }
                out.flush();
                for (String line : batch) {
                    listeners.forEach(l -> l.accept(line));
                }
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                System.err.println("portcullis: access log write failed: " + e.getMessage());
                batch.clear();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        writer.join(2_000);
    }
}
