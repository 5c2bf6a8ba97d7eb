package io.portcullis.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, as Envoy and Kubernetes write durations. */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim();
        try {
            if (v.endsWith("ms")) {
                return positive(Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2))), value);
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            switch (v.charAt(v.length() - 1)) {
                case 's' -> {
                    return positive(Duration.ofSeconds(n), value);
                }
                case 'm' -> {
                    return positive(Duration.ofMinutes(n), value);
                }
                case 'h' -> {
                    return positive(Duration.ofHours(n), value);
                }
                default -> {
                    // not a unit: the one message below
                }
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // falls through to the one message below
        }
        throw new TypeConversionException("'" + value + "' is not a duration (expected: e.g. 500ms, 10s, 5m, 1h)");
    }

    private static Duration positive(Duration d, String value) {
        if (d.isNegative() || d.isZero()) {
            throw new TypeConversionException("'" + value + "' must be positive");
        }
        return d;
    }
}
