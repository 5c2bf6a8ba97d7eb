package io.portcullis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and resident memory of a process and all its descendants, read from {@code /proc}:
 * nginx's worker is a child of its master, the JVM is one process with many threads. CPU is
 * utime + stime (fields 14 and 15 of {@code /proc/PID/stat}, which include every thread, exited
 * ones too) in clock ticks of 10 ms; memory is {@code VmRSS} of {@code /proc/PID/status}.
 */
final class ProcTree {
    /** USER_HZ: 100 on every Linux configuration we run on ({@code getconf CLK_TCK}). */
    static final long NANOS_PER_TICK = 10_000_000L;

    private ProcTree() {
    }

    /** utime + stime of {@code root} and its descendants, in nanoseconds (10 ms resolution). */
    static long cpuNanos(long root) {
        long ticks = 0;
        for (long pid : withDescendants(root)) {
            String[] f = statFields(pid);
            if (f != null) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
        }
        return ticks * NANOS_PER_TICK;
    }

    /** Resident set size of {@code root} and its descendants, in bytes. */
    static long rssBytes(long root) {
        long kib = 0;
        for (long pid : withDescendants(root)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // The process ended between listing and reading: it holds no memory any more.
            }
        }
        return kib * 1024;
    }

    static List<Long> withDescendants(long root) {
        List<Long> out = new ArrayList<>();
        out.add(root);
        ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
        return out;
    }

    /** The fields of {@code /proc/PID/stat}, index = proc(5) number - 1; the command name may contain spaces. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            String[] rest = stat.substring(close + 2).trim().split(" ");
            String[] fields = new String[rest.length + 2];
            fields[0] = Long.toString(pid);
            fields[1] = stat.substring(stat.indexOf('(') + 1, close);
            System.arraycopy(rest, 0, fields, 2, rest.length);
            return fields;
        } catch (IOException e) {
            return null;
        }
    }
}
