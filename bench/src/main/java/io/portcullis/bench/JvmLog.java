package io.portcullis.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Portcullis JVM did during one figure, read from the {@code -Xlog} file the lab gives
 * every Portcullis instance: the lines appended between two offsets are the figure's.
 * <ul>
 * <li>Stops: every stop-the-world pause, of any collector, is a safepoint operation, and JDK 17
 * and 25 both log each one as {@code Safepoint "NAME", ... Total: N ns}; a stop is counted as a
 * collection when its operation is a collector's (G1, Parallel, Serial, ZGC's pauses), the rest
 * (Cleanup, handshakes, deoptimisation...) as other stops.
 * <li>JIT work: each compilation is a {@code jit,compilation} line with its tier (1-3: C1,
 * 4: C2), and code thrown away says {@code made not entrant}. Compilations during a figure mean
 * the compiler threads shared the proxy's core with the event loop (issue 17's tail latency).
 * </ul>
 */
final class JvmLog {
    /** {@code -Xlog} options that write the file {@link #between} reads. */
    static String option(Path file) {
        return "-Xlog:gc,safepoint,jit+compilation=debug:file=" + file + ":uptime,level,tags";
    }

    /** {@code [jit,compilation]   423 %     4       java.lang.String::indexOf @ 7 (33 bytes)}: id, flags, tier. */
    private static final Pattern COMPILATION = Pattern.compile("\\[jit,compilation\\]\\s+\\d+\\s+[%sbn! ]*?([0-4])\\s+(.*)");
    private static final Pattern SAFEPOINT = Pattern.compile("Safepoint \"([^\"]+)\".*Total: (\\d+) ns");
    /** VM operations that are collections: G1, Parallel, Serial or GenCollect (17), ZGC pauses, metadata GCs. */
    private static final Pattern GC_OPERATION = Pattern.compile("G1.*|Parallel.*|Serial.*|GenCollect.*|Z(Mark|Relocate).*"
            + "|CollectForMetadataAllocation|CollectForCodeCacheAllocation|Shenandoah.*");

    private JvmLog() {
    }

    /**
     * Pauses during one figure.
     *
     * @param gcPauses    collections' stops
     * @param gcMillis    their total, ms
     * @param gcMaxMillis the longest, ms
     * @param otherStops  every other safepoint operation
     * @param otherMillis their total, ms
     * @param c1Compiles  compilations at tiers 1-3
     * @param c2Compiles  compilations at tier 4
     * @param c2Discarded C2 code made not entrant (deoptimised; recompiled later)
     */
    record Events(int gcPauses, double gcMillis, double gcMaxMillis, int otherStops, double otherMillis,
                  int c1Compiles, int c2Compiles, int c2Discarded) {
        static final Events NONE = new Events(0, 0, 0, 0, 0, 0, 0, 0);

        String describe() {
            return String.format(Locale.ROOT, "GC %d pause%s %.1f ms (max %.1f), JIT %d C1 + %d C2 compiles", gcPauses,
                    gcPauses == 1 ? "" : "s", gcMillis, gcMaxMillis, c1Compiles, c2Compiles);
        }
    }

    /** The file's length now: where the next figure's lines begin (0 when there is no file yet). */
    static long offset(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The stops logged between two offsets (the JVM writes and flushes each line whole). */
    static Events between(Path file, long from, long to) {
        if (to <= from) {
            return Events.NONE;
        }
        byte[] bytes = new byte[Math.toIntExact(to - from)];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(from);
            f.readFully(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the JVM log " + file + ": " + e.getMessage(), e);
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    static Events parse(String lines) {
        int gc = 0;
        int other = 0;
        double gcMillis = 0;
        double gcMax = 0;
        double otherMillis = 0;
        Matcher m = SAFEPOINT.matcher(lines);
        while (m.find()) {
            double millis = Long.parseLong(m.group(2)) / 1e6;
            if (GC_OPERATION.matcher(m.group(1)).matches()) {
                gc++;
                gcMillis += millis;
                gcMax = Math.max(gcMax, millis);
            } else {
                other++;
                otherMillis += millis;
            }
        }
        int c1 = 0;
        int c2 = 0;
        int discarded = 0;
        Matcher c = COMPILATION.matcher(lines);
        while (c.find()) {
            boolean optimized = c.group(1).equals("4");
            if (c.group(2).contains("made not entrant")) {
                discarded += optimized ? 1 : 0;
            } else if (optimized) {
                c2++;
            } else {
                c1++;
            }
        }
        return new Events(gc, gcMillis, gcMax, other, otherMillis, c1, c2, discarded);
    }
}
