package io.portcullis.model;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's duration values as they arrive in YAML: protobuf JSON ({@code "1.5s"}) or the Go form the
 * Kubernetes schemas also accept ({@code "1h30m"}, {@code "100ms"}).
 */
final class IstioDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private IstioDuration() {
    }

    /** The duration, or empty when {@code text} is not one. */
    static Optional<Duration> parse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        boolean negative = text.startsWith("-");
        String rest = negative || text.startsWith("+") ? text.substring(1) : text;
        if (rest.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = PART.matcher(rest);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < rest.length()) {
            if (!m.find(at) || m.start() != at) {
                return Optional.empty();
            }
            BigDecimal unit = switch (m.group(2)) {
                case "ns" -> BigDecimal.ONE;
                case "us", "µs" -> BigDecimal.valueOf(1_000);
                case "ms" -> BigDecimal.valueOf(1_000_000);
                case "s" -> BigDecimal.valueOf(1_000_000_000);
                case "m" -> BigDecimal.valueOf(60_000_000_000L);
                default -> BigDecimal.valueOf(3_600_000_000_000L);
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unit));
            at = m.end();
        }
        if (at == 0) {
            return Optional.empty();
        }
        long n = nanos.longValue();
        return Optional.of(Duration.ofNanos(negative ? -n : n));
    }

    /**
     * Istio's rule for most durations in traffic settings: at least 1ms, in whole milliseconds.
     * Null when {@code value} is fine, else the reason.
     */
    static String millisecondProblem(String value) {
        Optional<Duration> d = parse(value);
        if (d.isEmpty()) {
            return "\"" + value + "\" is not a duration (expected e.g. 1s, 250ms, 1m30s)";
        }
        if (d.get().compareTo(Duration.ofMillis(1)) < 0) {
            return value + " is too short (expected: at least 1ms)";
        }
        if (d.get().toNanos() % 1_000_000 != 0) {
            return value + " is finer than a millisecond (expected: whole milliseconds)";
        }
        return null;
    }
}
