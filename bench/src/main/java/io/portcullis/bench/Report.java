package io.portcullis.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * Medians over the rounds, the spread between rounds, and the ratios: each figure to the direct
 * connection's and to the best peer's (nginx, HAProxy or Squid, whichever is best on that row),
 * CPU per operation to the lowest of the peers'.
 */
final class Report {
    /** The median of a figure over the rounds and how far the rounds were apart ((max - min) / median). */
    record Stat(double median, double min, double max, int rounds) {
        static Stat of(List<Measurement> ms, ToDoubleFunction<Measurement> f) {
            double[] v = ms.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
            if (v.length == 0) {
                return new Stat(Double.NaN, Double.NaN, Double.NaN, 0);
            }
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Stat(median, v[0], v[v.length - 1], v.length);
        }

        double spread() {
            return median == 0 ? Double.NaN : (max - min) / Math.abs(median);
        }
    }

    /** One target's line in one row. */
    record Line(String target, boolean peer, Stat value, Stat p50, Stat p99, Stat cpu, long errors, Stat heap,
                String jvm) {
    }

    /** A Portcullis figure's collections over its rounds, e.g. {@code GC 6 pauses, 9.1 ms, max 2.3 ms in 3 rounds}; else empty. */
    static String gcSummary(List<Measurement> ms) {
        List<JvmLog.Events> stops = ms.stream().flatMap(m -> m.jvm().stream()).map(Measurement.JvmFigures::events).toList();
        if (stops.isEmpty()) {
            return "";
        }
        int pauses = stops.stream().mapToInt(JvmLog.Events::gcPauses).sum();
        return String.format(Locale.ROOT, "GC %d pause%s, %.1f ms, max %.1f ms in %d round%s", pauses, pauses == 1 ? "" : "s",
                stops.stream().mapToDouble(JvmLog.Events::gcMillis).sum(),
                stops.stream().mapToDouble(JvmLog.Events::gcMaxMillis).max().orElse(0), stops.size(),
                stops.size() == 1 ? "" : "s");
    }

    private final Map<Row, List<Line>> rows = new LinkedHashMap<>();

    Report(List<Measurement> all, List<Target> targets) {
        for (Row row : Row.values()) {
            List<Line> lines = new ArrayList<>();
            for (Target t : targets) {
                List<Measurement> ms = all.stream().filter(m -> m.row() == row && m.target().equals(t.name())).toList();
                if (ms.isEmpty()) {
                    continue;
                }
                lines.add(new Line(t.name(), t.isPeer(), Stat.of(ms, Measurement::value), Stat.of(ms, Measurement::p50Micros),
                        Stat.of(ms, Measurement::p99Micros), Stat.of(ms, Measurement::cpuMicrosPerOperation),
                        ms.stream().mapToLong(Measurement::errors).sum(), Stat.of(ms, Measurement::heapKib), gcSummary(ms)));
            }
            if (!lines.isEmpty()) {
                rows.put(row, lines);
            }
        }
    }

    Map<Row, List<Line>> rows() {
        return rows;
    }

    double direct(Row row) {
        return rows.get(row).stream().filter(l -> l.target().equals(Target.DIRECT)).mapToDouble(l -> l.value().median())
                .findFirst().orElse(Double.NaN);
    }

    double bestPeer(Row row) {
        OptionalDouble best = row.higherIsBetter
                ? peers(row).mapToDouble(l -> l.value().median()).max()
                : peers(row).mapToDouble(l -> l.value().median()).min();
        return best.orElse(Double.NaN);
    }

    double bestPeerCpu(Row row) {
        return peers(row).mapToDouble(l -> l.cpu().median()).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
    }

    private java.util.stream.Stream<Line> peers(Row row) {
        return rows.get(row).stream().filter(Line::peer);
    }

    /** The table for the terminal. */
    String text() {
        StringBuilder sb = new StringBuilder();
        String format = "  %-11s %18s %7s %9s %9s %11s %9s%n";
        for (Map.Entry<Row, List<Line>> e : rows.entrySet()) {
            Row row = e.getKey();
            sb.append(String.format(Locale.ROOT, "%-3s %s [%s; CPU us/%s]%n", row.number, row.title, row.unit, row.operation));
            sb.append(String.format(Locale.ROOT, format, "target", "median", "spread", "x direct", "x best", "CPU/op", "x best"));
            for (Line l : e.getValue()) {
                sb.append(String.format(Locale.ROOT, format, l.target(), figure(row, l), percent(l.value().spread()),
                        ratio(l.value().median(), direct(row)), ratio(l.value().median(), bestPeer(row)),
                        number(l.cpu().median()), ratio(l.cpu().median(), bestPeerCpu(row))));
                if (!Double.isNaN(l.p50().median())) {
                    sb.append(String.format(Locale.ROOT, "  %-11s %18s%n", "", "p50 " + micros(l.p50().median())
                            + " p99 " + micros(l.p99().median())));
                }
                if (!l.jvm().isEmpty()) {
                    sb.append(String.format(Locale.ROOT, "  %-11s %s%n", "", l.jvm()));
                }
                if (!Double.isNaN(l.heap().median())) {
                    sb.append(String.format(Locale.ROOT, "  %-11s %18s%n", "", "live heap " + number(l.heap().median())
                            + " KiB/conn"));
                }
                if (l.errors() > 0) {
                    sb.append(String.format(Locale.ROOT, "  %-11s %18s%n", "", l.errors() + " errors"));
                }
            }
        }
        return sb.toString();
    }

    /** The same table in Markdown. */
    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| row | target | median | spread | × direct | × best peer | proxy CPU per op | CPU × best peer |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<Row, List<Line>> e : rows.entrySet()) {
            Row row = e.getKey();
            boolean first = true;
            for (Line l : e.getValue()) {
                String label = first ? "**" + row.number + "** " + row.title + " (" + row.unit + ")" : "";
                first = false;
                String fig = figure(row, l);
                if (!Double.isNaN(l.p50().median())) {
                    fig += "<br>p50 " + micros(l.p50().median()) + ", p99 " + micros(l.p99().median());
                }
                if (!Double.isNaN(l.heap().median())) {
                    fig += "<br>live heap " + number(l.heap().median()) + " KiB/conn";
                }
                if (!l.jvm().isEmpty()) {
                    fig += "<br>" + l.jvm();
                }
                if (l.errors() > 0) {
                    fig += "<br>" + l.errors() + " errors";
                }
                String target = l.target().startsWith(Target.PORTCULLIS) ? "**" + l.target() + "**" : l.target();
                String cpu = Double.isNaN(l.cpu().median()) ? "—" : number(l.cpu().median()) + " µs/" + row.operation;
                sb.append("| ").append(label).append(" | ").append(target).append(" | ").append(fig).append(" | ")
                        .append(percent(l.value().spread())).append(" | ").append(ratio(l.value().median(), direct(row)))
                        .append(" | ").append(ratio(l.value().median(), bestPeer(row))).append(" | ").append(cpu)
                        .append(" | ").append(ratio(l.cpu().median(), bestPeerCpu(row))).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** Every round's raw figures, for the appendix of RESULTS.md. */
    static String raw(List<Measurement> all) {
        StringBuilder sb = new StringBuilder("| round | row | target | figure | p50 µs | p99 µs | operations | proxy CPU ms | errors |\n");
        sb.append("|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Measurement m : all) {
            sb.append("| ").append(m.round() + 1).append(" | ").append(m.row().number).append(" | ").append(m.target())
                    .append(" | ").append(number(m.value())).append(" | ").append(number(m.p50Micros())).append(" | ")
                    .append(number(m.p99Micros())).append(" | ").append(number(m.operations())).append(" | ")
                    .append(m.cpuNanos() == 0 ? "—" : number(m.cpuNanos() / 1e6)).append(" | ").append(m.errors()).append(" |\n");
        }
        return sb.toString();
    }

    private static String figure(Row row, Line l) {
        return number(l.value().median());
    }


    static String number(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String micros(double us) {
        return us >= 1000 ? String.format(Locale.ROOT, "%.2f ms", us / 1000) : String.format(Locale.ROOT, "%.0f µs", us);
    }

    private static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "—" : String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }
}
