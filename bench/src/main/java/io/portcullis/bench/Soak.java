package io.portcullis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Row 2 (a new connection per request through the TCP route) against Portcullis for many
 * minutes, reading the live heap once a minute: after a full collection ({@code jcmd GC.run}),
 * the sum of the generations' "used" in {@code jcmd GC.heap_info}. A leak per connection shows
 * as a heap that grows with the connections served.
 */
final class Soak {
    record Sample(int minute, long connections, long liveKib, long rssKib) {
    }

    private Soak() {
    }

    static List<Sample> run(Target portcullis, int minutes) {
        List<Sample> samples = new ArrayList<>();
        long total = 0;
        samples.add(sample(portcullis, 0, total));
        for (int minute = 1; minute <= minutes; minute++) {
            Wrk.Result r = Wrk.run("http://127.0.0.1:" + portcullis.tcpHttp() + "/", 2, 50, 60, null,
                    List.of("Connection: close"));
            total += r.requests();
            Sample s = sample(portcullis, minute, total);
            samples.add(s);
            BenchRun.log(String.format(Locale.ROOT, "soak minute %d: %,d connections, live heap %,d KiB, RSS %,d KiB",
                    minute, total, s.liveKib(), s.rssKib()));
        }
        return samples;
    }

    private static Sample sample(Target t, int minute, long connections) {
        return new Sample(minute, connections, Measure.liveHeapKib(t), ProcTree.rssBytes(t.pid()) / 1024);
    }

    static void write(Path file, List<Sample> samples) throws IOException {
        StringBuilder sb = new StringBuilder("# Soak: row 2 against Portcullis\n\n");
        sb.append("Written by `bench/run --soak ").append(samples.size() - 1).append("` on ")
                .append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
                .append(". Live heap = used after a full collection (`jcmd GC.run`, then `GC.heap_info`).\n\n");
        sb.append("| minute | connections served | live heap KiB | RSS KiB |\n|---:|---:|---:|---:|\n");
        for (Sample s : samples) {
            sb.append(String.format(Locale.ROOT, "| %d | %,d | %,d | %,d |%n", s.minute(), s.connections(), s.liveKib(),
                    s.rssKib()));
        }
        Sample first = samples.get(1 < samples.size() ? 1 : 0);
        Sample last = samples.get(samples.size() - 1);
        if (last.connections() > first.connections()) {
            double perConnection = (last.liveKib() - first.liveKib()) * 1024.0 / (last.connections() - first.connections());
            sb.append(String.format(Locale.ROOT, "%nFrom minute %d to %d the live heap moved by %+,d KiB over %,d connections "
                    + "(%.3f bytes per connection).%n", first.minute(), last.minute(), last.liveKib() - first.liveKib(),
                    last.connections() - first.connections(), perConnection));
        }
        Files.writeString(file, sb.toString());
    }
}
