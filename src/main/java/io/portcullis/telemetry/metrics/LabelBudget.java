package io.portcullis.telemetry.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the distinct values one label may take: the first {@code limit} values pass as they
 * are, later new ones become {@link #OTHER} (and are counted in
 * {@code portcullis_label_overflows_total}). For values a client chooses, so the number of
 * series stays bounded whatever it sends. Thread-safe; a race may admit a few values over the
 * limit, never an unbounded number.
 */
public final class LabelBudget {
    public static final String OTHER = "other";

    private final int limit;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private final CounterDataPoint overflows;

    LabelBudget(int limit, CounterDataPoint overflows) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
        this.overflows = overflows;
    }

    /** {@code value} itself while the budget lasts or once admitted, else {@link #OTHER}. */
    public String admit(String value) {
        if (admitted.contains(value)) {
            return value;
        }
        if (admitted.size() < limit) {
            admitted.add(value);
            return value;
        }
        overflows.inc();
        return OTHER;
    }
}
