package io.portcullis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The benchmark bench/run drives: starts the {@link Lab}, warms every target up, then measures
 * every row through every target round by round (the order of targets rotates each round, so
 * no target always runs first or last), prints the table and writes RESULTS.md.
 *
 * <pre>
 * BenchRun --repo DIR --work DIR [--rounds 3] [--seconds 5] [--warmup-seconds 10] [--load standard|light]
 *          [--rows 1,2,3a,...] [--targets direct,nginx,haproxy,squid,portcullis] [--idle N] [--cpu 1]
 *          [--java JDK] [--java-opts OPTS] [--variant NAME[@JDK]=JAVA_OPTS]... [--jar-variant NAME=JAR]... [--max-minutes 40] [--results FILE]
 * BenchRun --repo DIR --work DIR --soak MINUTES     (row 2 against Portcullis, live heap each minute)
 * </pre>
 */
public final class BenchRun {
    private BenchRun() {
    }

    record Options(Path repo, Path work, int rounds, int seconds, int warmupSeconds, Set<Row> rows, int idle,
                   String cpu, int maxMinutes, Path results, Set<String> targets, List<JvmVariant> portcullis,
                   int soakMinutes, LoadShape load) {
        static Options parse(String[] args) {
            Path repo = null;
            Path work = null;
            int rounds = 3;
            int seconds = 5;
            // Long enough for the JIT to compile Portcullis's paths before anything is counted.
            Integer warmup = null;
            LoadShape load = LoadShape.STANDARD;
            Set<Row> rows = EnumSet.allOf(Row.class);
            int idle = Math.min(10_000, Lab.maxConnections() - 50);
            String cpu = Integer.toString(Runtime.getRuntime().availableProcessors() - 1);
            int maxMinutes = 40;
            Path results = null;
            Set<String> targets = Set.of(Target.DIRECT, "nginx", "haproxy", "squid", Target.PORTCULLIS);
            // PORTCULLIS_JAVA and PORTCULLIS_JAVA_OPTS of bench/run's environment are the base instance's defaults.
            Optional<String> java = Optional.ofNullable(System.getenv("PORTCULLIS_JAVA")).filter(j -> !j.isBlank());
            String javaOpts = Optional.ofNullable(System.getenv("PORTCULLIS_JAVA_OPTS")).orElse("");
            List<String> variantSpecs = new ArrayList<>();
            List<String> jarVariantSpecs = new ArrayList<>();
            int soak = 0;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--repo" -> repo = Path.of(value);
                    case "--work" -> work = Path.of(value);
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--warmup-seconds" -> warmup = Integer.parseInt(value);
                    case "--rows" -> rows = parseRows(value);
                    case "--idle" -> idle = Integer.parseInt(value);
                    case "--cpu" -> cpu = value;
                    case "--max-minutes" -> maxMinutes = Integer.parseInt(value);
                    case "--results" -> results = Path.of(value);
                    case "--targets" -> targets = Set.of(value.split(","));
                    case "--soak" -> soak = Integer.parseInt(value);
                    case "--load" -> load = LoadShape.named(value);
                    case "--java" -> java = Optional.of(value);
                    case "--java-opts" -> javaOpts = value;
                    case "--variant" -> variantSpecs.add(value);
                    case "--jar-variant" -> jarVariantSpecs.add(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (repo == null || work == null) {
                throw new IllegalArgumentException("--repo and --work are required");
            }
            if (rounds < 1 || seconds < 1) {
                throw new IllegalArgumentException("--rounds and --seconds must be at least 1");
            }
            List<JvmVariant> portcullis = new ArrayList<>(List.of(new JvmVariant(Target.PORTCULLIS, java, javaOpts.trim())));
            for (String spec : variantSpecs) {
                portcullis.add(JvmVariant.parse(spec, java));
            }
            for (String spec : jarVariantSpecs) {
                portcullis.add(JvmVariant.ofJar(spec, java, javaOpts.trim()));
            }
            return new Options(repo, work, rounds, seconds, warmup == null ? load.warmupSeconds() : warmup, rows, idle,
                    cpu, maxMinutes, results == null ? repo.resolve("bench/RESULTS.md") : results, targets,
                    List.copyOf(portcullis), soak, load);
        }

        private static Set<Row> parseRows(String list) {
            Set<Row> out = EnumSet.noneOf(Row.class);
            for (String n : list.split(",")) {
                boolean found = false;
                for (Row r : Row.values()) {
                    if (r.number.equals(n.trim()) || r.number.startsWith(n.trim()) && n.trim().matches("\\d")) {
                        out.add(r);
                        found = true;
                    }
                }
                if (!found) {
                    throw new IllegalArgumentException("--rows: no row " + n + " (rows: "
                            + Arrays.stream(Row.values()).map(r -> r.number).collect(Collectors.joining(",")) + ")");
                }
            }
            return out;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(o.work());
        long started = System.nanoTime();
        try (Processes processes = new Processes(o.work(), o.work().resolve("pids"))) {
            Lab lab = new Lab(o.work(), o.repo().resolve("bench/conf"), processes, o.cpu());
            if (o.soakMinutes() > 0) {
                log("soak: row 2 against Portcullis for " + o.soakMinutes() + " minutes");
                lab.start(o.repo().resolve("portcullis"), Set.of(Target.PORTCULLIS), o.portcullis().subList(0, 1));
                Path file = o.repo().resolve("bench/SOAK.md");
                Soak.write(file, Soak.run(lab.targets.get(0), o.soakMinutes()));
                log("wrote " + file);
                return;
            }
            log("starting the origin, nginx, HAProxy, Squid and Portcullis (pinned to CPU " + o.cpu() + ") in " + o.work());
            lab.start(o.repo().resolve("portcullis"), o.targets(), o.portcullis());
            TlsLoad tls = new TlsLoad(lab.caCertificate().toFile(), Lab.SNI, lab.originHttps);
            Measure measure = new Measure(lab, tls, o.idle(), o.load());
            List<Row> rows = new ArrayList<>(o.rows());
            List<Row> loadRows = rows.stream().filter(r -> !r.isMemory()).toList();
            List<Row> memoryRows = rows.stream().filter(Row::isMemory).toList();
            log(String.format(Locale.ROOT, "about %d minutes: warm-up, then %d rounds of %d s per figure",
                    estimateMinutes(o, lab, loadRows, memoryRows), o.rounds(), o.seconds()));

            if (o.warmupSeconds() > 0) {
                for (Row row : loadRows) {
                    for (Target t : lab.targets) {
                        if (t.serves(row)) {
                            log("warm-up " + row.number + " " + t.name());
                            measureOrRecordFailure(measure, row, t, -1, o.warmupSeconds());
                        }
                    }
                }
            }
            List<Measurement> all = new ArrayList<>();
            int roundsDone = 0;
            for (int round = 0; round < o.rounds(); round++) {
                for (Row row : loadRows) {
                    for (Target t : rotated(lab.targets, round)) {
                        if (t.serves(row)) {
                            Measurement m = measureOrRecordFailure(measure, row, t, round, o.seconds());
                            log(String.format(Locale.ROOT, "round %d row %-3s %-10s %12s %s  cpu %s us/%s%s%s%s", round + 1,
                                    row.number, t.name(), Report.number(m.value()), row.unit,
                                    Report.number(m.cpuMicrosPerOperation()), row.operation,
                                    Double.isNaN(m.p99Micros()) ? "" : "  p99 " + Report.number(m.p99Micros()) + " us",
                                    m.jvm().map(j -> "  " + j.events().describe() + "; " + j.threads().describe()).orElse(""),
                                    m.errors() > 0 ? "  errors " + m.errors() : ""));
                            all.add(m);
                        }
                    }
                }
                for (Row row : memoryRows) {
                    for (Target t : rotated(lab.targets, round)) {
                        if (t.serves(row)) {
                            Measurement m = measureOrRecordFailure(measure, row, t, round, o.seconds());
                            log(String.format(Locale.ROOT, "round %d row %-3s %-10s %12s KiB per idle connection (%d held)",
                                    round + 1, row.number, t.name(), Report.number(m.value()), o.idle()));
                            all.add(m);
                        }
                    }
                }
                roundsDone++;
                if (Duration.ofNanos(System.nanoTime() - started).toMinutes() >= o.maxMinutes() && round + 1 < o.rounds()) {
                    log("stopping after round " + (round + 1) + ": --max-minutes " + o.maxMinutes() + " reached");
                    break;
                }
            }
            Report report = new Report(all, lab.targets);
            System.out.println();
            System.out.print(report.text());
            Files.writeString(o.results(), ResultsFile.render(o, lab, report, all, roundsDone,
                    Duration.ofNanos(System.nanoTime() - started)));
            log("wrote " + o.results());
        }
    }

    /** A run that fails (a tool that errs or hangs) is recorded as one error, not the end of the benchmark. */
    private static Measurement measureOrRecordFailure(Measure measure, Row row, Target t, int round, int seconds)
            throws InterruptedException {
        try {
            return measure.run(row, t, round, seconds);
        } catch (RuntimeException | java.io.IOException e) {
            log("row " + row.number + " " + t.name() + " failed: " + e.getMessage());
            return new Measurement(row, t.name(), round, Double.NaN, Double.NaN, Double.NaN, 0, 0, 1);
        }
    }

    private static long estimateMinutes(Options o, Lab lab, List<Row> loadRows, List<Row> memoryRows) {
        long figures = 0;
        for (Row r : loadRows) {
            figures += lab.targets.stream().filter(t -> t.serves(r)).count();
        }
        long memory = 0;
        for (Row r : memoryRows) {
            memory += lab.targets.stream().filter(t -> t.serves(r)).count();
        }
        long seconds = figures * (o.warmupSeconds() + 1) + o.rounds() * (figures * (o.seconds() + 1) + memory * 15);
        return Math.max(1, Math.round(seconds / 60.0));
    }

    private static List<Target> rotated(List<Target> targets, int by) {
        List<Target> out = new ArrayList<>(targets);
        java.util.Collections.rotate(out, -(by % out.size()));
        return out;
    }

    static void log(String message) {
        System.err.println("bench: " + message);
    }
}
