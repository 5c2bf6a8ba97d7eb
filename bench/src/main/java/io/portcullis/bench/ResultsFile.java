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
                "--always", "--dirty")))).append(" on ").append(javaVersion()).append("; JVM command: `")
                .append(lab.targets.stream().filter(t -> t.name().equals(Target.PORTCULLIS)).findFirst()
                        .map(t -> jvmCommand(t.pid())).orElse("(not run)")).append("`\n\n");
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
                + " (the benchmark's JVM; Portcullis runs on the same `java`)";
    }

    private static String jvmCommand(long pid) {
        try {
            String cmd = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim();
            return cmd.replaceAll(" --config .*", " run …");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String first(String text) {
        return text.lines().map(String::trim).filter(l -> !l.isEmpty()).findFirst().orElse("");
    }
}
