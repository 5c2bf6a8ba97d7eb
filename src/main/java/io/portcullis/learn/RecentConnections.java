package io.portcullis.learn;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} decided connections, oldest overwritten first: what {@code diff}
 * replays and the live view starts from. Thread-safe.
 */
public final class RecentConnections {
    private final Observation[] ring;
    private int next;
    private long total;

    public RecentConnections(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.ring = new Observation[capacity];
    }

    public synchronized void add(Observation o) {
        ring[next] = o;
        next = (next + 1) % ring.length;
        total++;
    }

    /** The connections held, oldest first. */
    public synchronized List<Observation> snapshot() {
        List<Observation> out = new ArrayList<>(ring.length);
        for (int i = 0; i < ring.length; i++) {
            Observation o = ring[(next + i) % ring.length];
            if (o != null) {
                out.add(o);
            }
        }
        return out;
    }

    public int capacity() {
        return ring.length;
    }

    /** Connections seen since start, including those overwritten. */
    public synchronized long total() {
        return total;
    }
}
