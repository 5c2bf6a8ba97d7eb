package io.portcullis.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which threads of a JVM used the CPU during a figure: utime + stime of every thread
 * ({@code /proc/PID/task/TID/stat}) before and after, grouped by what the thread does, so one can
 * see whether the collector, the JIT compilers or our own background threads share the one core
 * the event loop is pinned to. Threads that ended during the figure are not counted (their time
 * is in the process's total, which {@link ProcTree} reads).
 */
final class ThreadCpu {
    /** What a thread does, from its name (at most 15 characters in {@code /proc}). */
    enum Kind {
        EVENT_LOOP("event loop"), GC("GC"), JIT("JIT"), VM("VM thread"), ACCESS_LOG("access log"), OTHER("other");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        static Kind of(String thread) {
            if (thread.startsWith("multiThreadIo") || thread.startsWith("epollEventLoop") || thread.startsWith("ioUring")
                    || thread.startsWith("nioEventLoop")) {
                return EVENT_LOOP;
            }
            if (thread.startsWith("GC Thread") || thread.startsWith("G1 ") || thread.startsWith("Z")
                    || thread.startsWith("VM Periodic") || thread.startsWith("Service Thread")) {
                // The periodic task thread samples and the service thread cleans tables: housekeeping, counted with GC.
                return GC;
            }
            if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler") || thread.startsWith("Compiler")) {
                return JIT;
            }
            if (thread.equals("VM Thread")) {
                return VM;
            }
            if (thread.equals("access-log")) {
                return ACCESS_LOG;
            }
            return OTHER;
        }
    }

    /** Ticks per thread id, with the thread's kind. */
    record Snapshot(Map<Long, Long> ticks, Map<Long, Kind> kinds) {
    }

    /** A figure's CPU split: ticks per kind. */
    record Split(Map<Kind, Long> ticks) {
        static final Split NONE = new Split(Map.of());

        long total() {
            return ticks.values().stream().mapToLong(Long::longValue).sum();
        }

        /** e.g. {@code event loop 91%, GC 4%, JIT 1%, ...}: the kinds that used any time, largest first. */
        String describe() {
            long total = total();
            if (total == 0) {
                return "—";
            }
            return ticks.entrySet().stream().filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<Kind, Long>comparingByValue().reversed())
                    .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey().label, 100.0 * e.getValue() / total))
                    .collect(Collectors.joining(", "));
        }
    }

    private ThreadCpu() {
    }

    static Snapshot snapshot(long pid) {
        Map<Long, Long> ticks = new HashMap<>();
        Map<Long, Kind> kinds = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] rest = stat.substring(close + 2).trim().split(" ");
                    long tid = Long.parseLong(task.getFileName().toString());
                    // rest[0] is field 3 (state): utime and stime are fields 14 and 15.
                    ticks.put(tid, Long.parseLong(rest[11]) + Long.parseLong(rest[12]));
                    kinds.put(tid, Kind.of(stat.substring(open + 1, close)));
                } catch (IOException | RuntimeException e) {
                    // The thread ended between listing and reading.
                }
            }
        } catch (IOException e) {
            // The process ended: nothing to split.
        }
        return new Snapshot(ticks, kinds);
    }

    static Split between(Snapshot before, Snapshot after) {
        Map<Kind, Long> out = new EnumMap<>(Kind.class);
        after.ticks().forEach((tid, t) -> {
            long used = t - before.ticks().getOrDefault(tid, 0L);
            out.merge(after.kinds().get(tid), used, Long::sum);
        });
        return new Split(out);
    }
}
