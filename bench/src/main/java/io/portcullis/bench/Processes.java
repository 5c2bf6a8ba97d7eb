package io.portcullis.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Every process the benchmark starts, so that all of them stop when it ends, however it ends: a
 * shutdown hook stops them (TERM, then KILL after two seconds, descendants included), and each
 * pid is appended to {@code pids} so bench/run's EXIT trap can finish the job if this JVM is
 * killed outright.
 */
final class Processes implements AutoCloseable {
    private final Path logDir;
    private final Path pidFile;
    private final List<Process> started = new ArrayList<>();

    Processes(Path logDir, Path pidFile) {
        this.logDir = logDir;
        this.pidFile = pidFile;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "stop-benchmark-processes"));
    }

    /** Starts a long-running process with its output in {@code logDir/name.log}. */
    synchronized Process start(String name, List<String> command) {
        return start(name, command, Map.of());
    }

    /** Starts a long-running process with extra environment variables. */
    synchronized Process start(String name, List<String> command, Map<String, String> environment) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".log").toFile());
        pb.environment().putAll(environment);
        try {
            Process p = pb.start();
            started.add(p);
            Files.writeString(pidFile, p.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + String.join(" ", command) + ")", e);
        }
    }

    /** Runs a command to completion (killed after {@code timeoutSeconds}) and returns its standard output. */
    static String run(long timeoutSeconds, List<String> command) {
        return execute(timeoutSeconds, command, false);
    }

    /** Runs a command that must succeed; its output is returned, a failure throws with the output. */
    static String runOrFail(long timeoutSeconds, List<String> command) {
        return execute(timeoutSeconds, command, true);
    }

    private static String execute(long timeoutSeconds, List<String> command, boolean mustSucceed) {
        try {
            Path out = Files.createTempFile("bench-out", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile());
                if (mustSucceed) {
                    pb.redirectErrorStream(true);
                } else {
                    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
                }
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
                }
                String text = Files.readString(out);
                if (mustSucceed && p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public synchronized void close() {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process p : started) {
            p.descendants().forEach(all::add);
            all.add(p.toHandle());
        }
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ProcessHandle h : all) {
            long left = deadline - System.nanoTime();
            try {
                h.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        started.clear();
    }
}
