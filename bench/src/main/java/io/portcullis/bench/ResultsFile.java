package io.portcullis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** bench/RESULTS.md: when, on what, with which versions, the table, how noisy it was, and every raw figure. */
final class ResultsFile {
    private ResultsFile() {
    }

    static String render(BenchRun.Options o, Lab lab, Report report, List<Measurement> all, int rounds, Duration took) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmark results\n\n");
        sb.append("Written by `bench/run` on ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
                .append(" (took ").append(took.toMinutes()).append(" min). Re-run it to replace this file.\n\n");
        sb.append("## Machine\n\n");
        sb.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores visible; kernel ").append(first(Processes.run(10, List.of("uname", "-r")))).append('\n');
        sb.append("- memory: ").append(memTotal()).append("; load average at the end: ").append(loadAverage()).append('\n');
        sb.append("- proxies pinned with `taskset -c ").append(o.cpu())
                .append("` (each with one worker); origin (nginx, 2 workers), iperf3 and load generators unpinned\n\n");
        sb.append("## Versions\n\n");
        sb.append("- ").append(version(List.of("nginx", "-v"))).append(" (`libnginx-mod-stream`)\n");
        sb.append("- ").append(version(List.of("haproxy", "-v"))).append('\n');
        sb.append("- ").append(version(List.of("squid", "-v"))).append('\n');
        sb.append("- ").append(version(List.of("wrk", "-v"))).append('\n');
        sb.append("- ").append(version(List.of("iperf3", "-v"))).append('\n');
        sb.append("- ").append(version(List.of("openssl", "version"))).append('\n');
        sb.append("- Portcullis ").append(first(Processes.run(10, List.of("git", "-C", o.repo().toString(), "describe",
                "--always", "--dirty")))).append("; the benchmark's driver ran on ").append(javaVersion()).append('\n');
        // Read from each running JVM: what it is and the flags it runs with, not what it was asked for.
        for (Target t : lab.targets) {
            if (t.isPortcullis()) {
                sb.append("- **").append(t.name()).append("** on ").append(JvmInfo.version(t.pid())).append(": `")
                        .append(JvmInfo.command(t.pid())).append("`; chosen by the JVM: `").append(JvmInfo.flags(t.pid()))
                        .append("`\n");
            }
        }
        sb.append('\n');
        sb.append("## Method\n\n");
        sb.append("Medians over ").append(rounds).append(" rounds of ").append(o.seconds())
                .append(" s per figure after a ").append(o.warmupSeconds())
                .append(" s warm-up of every figure; targets alternate in a rotating order each round. ")
                .append("Load shape `").append(o.load().name()).append("`: ").append(o.load().describe())
                .append(", BoringSSL client, ECDSA P-256 ")
                .append("certificate, no session resumption; iperf3: one stream. Idle rows hold ").append(o.idle())
                .append(" connections (two descriptors each under this machine's open-files limit of ")
                .append(Lab.maxConnections() * 2 + 200).append(") and report (RSS with them − RSS before) / count; ")
                .append("for Portcullis also the live heap per connection after a full collection (`jcmd GC.run`), since a ")
                .append("warmed-up JVM places new objects in heap pages it has touched already, which RSS does not show. ")
                .append("\"proxy CPU per op\" is utime+stime of the proxy's processes over the figure's run divided by the ")
                .append("operations done (bulk: per MiB received; idle: per connection opened). \"spread\" is ")
                .append("(max − min) / median over the rounds. \"× best peer\" compares with the best of nginx and ")
                .append("HAProxy (rows 1–4, 7a) or Squid (rows 5, 6, 7b); for CPU, lower is better.\n\n");
        sb.append("## Results\n\n");
        sb.append(report.markdown()).append('\n');
        sb.append("## The JVM during each figure\n\n");
        sb.append(jvm(all)).append('\n');
        sb.append("## Noise\n\n");
        sb.append(noise(report)).append('\n');
        sb.append("## Every round\n\n");
        sb.append(Report.raw(all));
        return sb.toString();
    }

    private static String noise(Report report) {
        List<Double> spreads = new ArrayList<>();
        String worst = "";
        double worstSpread = -1;
        for (var e : report.rows().entrySet()) {
            for (Report.Line l : e.getValue()) {
                double s = l.value().spread();
                if (!Double.isNaN(s)) {
                    spreads.add(s);
                    if (s > worstSpread) {
                        worstSpread = s;
                        worst = "row " + e.getKey().number + " " + l.target();
                    }
                }
            }
        }
        if (spreads.isEmpty()) {
            return "One round only: no spread to report.\n";
        }
        spreads.sort(Double::compare);
        double median = spreads.get(spreads.size() / 2);
        return String.format(Locale.ROOT, "Between rounds the figures moved by a median of %.0f%% ((max − min) / median); "
                + "the noisiest was %s at %.0f%%. The machine is shared (2 cores, other work may run), so read ratios "
                + "within a row, measured in the same minutes, rather than absolute rates.%n", median * 100, worst,
                worstSpread * 100);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB").findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String version(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return first(out);
        } catch (IOException e) {
            return command.get(0) + " (not found)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return command.get(0);
        }
    }

    private static String javaVersion() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (`java` on the PATH)";
    }

    /** Every Portcullis figure's stops (from its -Xlog:gc,safepoint file) and its CPU split by thread. */
    private static String jvm(List<Measurement> all) {
        StringBuilder sb = new StringBuilder("Stop-the-world pauses logged by each Portcullis JVM while the figure ran "
                + "(`-Xlog:gc,safepoint`; \"other stops\" are safepoints that are not collections), the methods its JIT compiled (`-Xlog:jit+compilation=debug`), and how its CPU time "
                + "split between its threads (`/proc/PID/task/*/stat`, 10 ms ticks; GC includes the JVM's periodic-task "
                + "and service threads).\n\n");
        sb.append("| round | row | target | p99 | GC pauses | GC total | GC max | other stops | JIT compiles C1 / C2 (C2 discarded) | CPU by thread |\n");
        sb.append("|---:|---|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Measurement m : all) {
            m.jvm().ifPresent(j -> sb.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %d | %.1f ms | %.1f ms | %d, %.1f ms | %d / %d (%d) | %s |%n",
                    m.round() + 1, m.row().number, m.target(), Double.isNaN(m.p99Micros()) ? "—" : Report.number(m.p99Micros()) + " µs",
                    j.events().gcPauses(), j.events().gcMillis(), j.events().gcMaxMillis(), j.events().otherStops(),
                    j.events().otherMillis(), j.events().c1Compiles(), j.events().c2Compiles(), j.events().c2Discarded(),
                    j.threads().describe())));
        }
        return sb.toString();
    }

    private static String first(String text) {
        return text.lines().map(String::trim).filter(l -> !l.isEmpty()).findFirst().orElse("");
    }
}
