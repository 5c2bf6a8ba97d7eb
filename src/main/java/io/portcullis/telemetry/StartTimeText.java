package io.portcullis.telemetry;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * {@code %START_TIME%} text, {@link DateTimeFormatter#ISO_INSTANT} at millisecond precision
 * ({@code 2026-12-03T10:59:11.042Z}; {@code 2026-12-03T10:59:11Z} on the second), without
 * formatting the date per line: the text up to the second is kept for the last second seen and
 * only the milliseconds are appended. Lines arrive in about start order, so nearly every line hits.
 * Thread-safe: the cached second is one immutable object.
 */
final class StartTimeText {
    private record Second(long epochSecond, String text) {
    }

    private volatile Second last = new Second(Long.MIN_VALUE, "");

    String format(Instant start) {
        long second = start.getEpochSecond();
        int millis = start.getNano() / 1_000_000;
        Second s = last;
        if (s.epochSecond() != second) {
            String whole = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(second));
            s = new Second(second, whole.substring(0, whole.length() - 1));
            last = s;
        }
        if (millis == 0) {
            return s.text() + 'Z';
        }
        StringBuilder sb = new StringBuilder(s.text().length() + 5).append(s.text()).append('.');
        if (millis < 100) {
            sb.append('0');
        }
        if (millis < 10) {
            sb.append('0');
        }
        return sb.append(millis).append('Z').toString();
    }
}
