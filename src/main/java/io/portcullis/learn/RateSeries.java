package io.portcullis.learn;

import io.portcullis.telemetry.metrics.TrafficTotals;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-second rates of the traffic counters over the last {@code seconds} samples, for the live
 * view's plots: the difference of two successive {@link TrafficTotals}. Thread-safe.
 */
public final class RateSeries {
    /** One second: connections allowed and denied, bytes both ways, at {@code at} (epoch seconds). */
    public record Point(long at, long allowed, long denied, long bytes) {}

    private final Point[] ring;
    private int next;
    private int size;
    private TrafficTotals last;

    public RateSeries(int seconds) {
        this.ring = new Point[seconds];
    }

    /** Adds the rate between the previous sample and {@code now}; the first sample only sets the baseline. */
    public synchronized void sample(long epochSecond, TrafficTotals now) {
        if (last != null) {
            long conns = Math.max(0, now.connections() - last.connections());
            long denied = Math.max(0, now.denied() - last.denied());
            long bytes = Math.max(0, now.bytesReceived() + now.bytesSent() - last.bytesReceived() - last.bytesSent());
            ring[next] = new Point(epochSecond, Math.max(0, conns - denied), denied, bytes);
            next = (next + 1) % ring.length;
            size = Math.min(size + 1, ring.length);
        }
        last = now;
    }

    /** The points held, oldest first. */
    public synchronized List<Point> points() {
        List<Point> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(ring[(next - size + i + ring.length) % ring.length]);
        }
        return out;
    }
}
