package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The cached %START_TIME% text is what ISO_INSTANT at millisecond precision writes, across seconds, days and years. */
class StartTimeTextTest {
    private static String iso(Instant i) {
        return DateTimeFormatter.ISO_INSTANT.format(i.truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void matchesIsoInstantAtMillisecondPrecision() {
        StartTimeText text = new StartTimeText();
        Instant[] starts = {
            Instant.parse("2026-12-03T10:59:11Z"),
            Instant.parse("2026-12-03T10:59:11.000999Z"),
            Instant.parse("2026-12-03T10:59:11.001Z"),
            Instant.parse("2026-12-03T10:59:11.010Z"),
            Instant.parse("2026-12-03T10:59:11.100Z"),
            Instant.parse("2026-12-03T10:59:11.999999999Z"),
            Instant.parse("2026-12-03T10:59:12.5Z"),
            Instant.parse("2026-12-03T10:59:11.042Z"),
            Instant.parse("2026-12-31T23:59:59.999Z"),
            Instant.parse("2027-01-01T00:00:00.000001Z"),
            Instant.EPOCH,
            Instant.parse("1969-12-31T23:59:59.123Z"),
        };
        for (Instant start : starts) {
            assertThat(text.format(start)).as(start.toString()).isEqualTo(iso(start));
        }
        Instant t = Instant.parse("2026-12-03T10:00:00Z");
        for (int i = 0; i < 5_000; i++, t = t.plusNanos(733_129_411L)) {
            assertThat(text.format(t)).isEqualTo(iso(t));
        }
    }
}
