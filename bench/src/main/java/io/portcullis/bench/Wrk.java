package io.portcullis.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk and reads what it prints: requests, requests/s, the 50th and 99th latency percentiles, errors. */
final class Wrk {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|99)(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    /** What one wrk run measured; latencies in microseconds. */
    record Result(long requests, double seconds, double p50Micros, double p99Micros, long errors, String raw) {
        double perSecond() {
            return requests / seconds;
        }
    }

    private Wrk() {
    }

    /**
     * @param url     where wrk connects (the proxy, or the origin for the direct figure)
     * @param script  a Lua script (e.g. to send absolute-URI requests to a forward proxy), or null
     * @param headers extra request headers, e.g. {@code Connection: close}
     */
    static Result run(String url, int threads, int connections, int seconds, Path script, List<String> headers) {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
                "--timeout", "5s", "--latency"));
        for (String h : headers) {
            cmd.add("-H");
            cmd.add(h);
        }
        if (script != null) {
            cmd.add("-s");
            cmd.add(script.toString());
        }
        cmd.add(url);
        String out = Processes.run(seconds + 30L, cmd);
        return parse(out);
    }

    static Result parse(String out) {
        Matcher m = REQUESTS.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("wrk printed no request count:\n" + out);
        }
        long requests = Long.parseLong(m.group(1));
        double seconds = Double.parseDouble(m.group(2)) * unitSeconds(m.group(3));
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher p = PERCENTILE.matcher(out);
        while (p.find()) {
            double micros = Double.parseDouble(p.group(2)) * unitSeconds(p.group(3)) * 1e6;
            if (p.group(1).equals("50")) {
                p50 = micros;
            } else {
                p99 = micros;
            }
        }
        long errors = 0;
        Matcher e = SOCKET_ERRORS.matcher(out);
        if (e.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(e.group(i));
            }
        }
        Matcher n = NON_2XX.matcher(out);
        if (n.find()) {
            errors += Long.parseLong(n.group(1));
        }
        return new Result(requests, seconds, p50, p99, errors, out);
    }

    private static double unitSeconds(String unit) {
        return switch (unit) {
            case "us" -> 1e-6;
            case "ms" -> 1e-3;
            case "m" -> 60;
            default -> 1;
        };
    }
}
