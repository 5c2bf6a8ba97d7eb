package io.portcullis.learn;

import io.portcullis.policy.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} decided connections, oldest overwritten first: what {@code diff}
 * replays and the live view starts from. Thread-safe.
 *
 * <p>Kept in columns (one array per field), not as {@link Observation} objects: the ring is long
 * lived, but each connection in it lives only until 10,000 more have come, a few seconds under
 * load. As objects, every entry survived several young collections and was copied by each (with
 * its texts, 5 MB per pause on one core: bench/JVM.md). In columns the ring allocates nothing per
 * connection: its arrays are old, and what a connection adds is copied into them. Its texts go in
 * as the ring's shared copies ({@link TextPool}), so the ones that repeat (hosts, addresses,
 * listeners) are old too, and what each connection formatted dies young.
 */
public final class RecentConnections {
    private static final int TEXTS = 9;
    private static final byte ALLOWED = 1;
    private static final byte UNDECLARED = 2;

    private final int capacity;
    private final long[] at;
    private final long[] bytesReceived;
    private final long[] bytesSent;
    private final int[] port;
    private final SeenProtocol[] protocol;
    private final Reason[] reason;
    private final byte[] flags;
    /** Per entry, {@link #TEXTS} texts: listener, host, address, sni, principal, source, local, message, resource. */
    private final String[] texts;
    /** Never more distinct texts than the ring can hold. */
    private final TextPool pool;
    private int next;
    private long total;

    public RecentConnections(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.capacity = capacity;
        this.at = new long[capacity];
        this.bytesReceived = new long[capacity];
        this.bytesSent = new long[capacity];
        this.port = new int[capacity];
        this.protocol = new SeenProtocol[capacity];
        this.reason = new Reason[capacity];
        this.flags = new byte[capacity];
        this.texts = new String[capacity * TEXTS];
        this.pool = new TextPool(capacity * TEXTS);
    }

    public synchronized void add(Observation o) {
        int i = next;
        at[i] = o.at();
        bytesReceived[i] = o.bytesReceived();
        bytesSent[i] = o.bytesSent();
        port[i] = o.port();
        protocol[i] = o.protocol();
        reason[i] = o.reason();
        flags[i] = (byte) ((o.allowed() ? ALLOWED : 0) | (o.undeclared() ? UNDECLARED : 0));
        int t = i * TEXTS;
        texts[t] = pool.canonical(o.listener());
        texts[t + 1] = pool.canonical(o.host());
        texts[t + 2] = pool.canonical(o.address());
        texts[t + 3] = pool.canonical(o.sni());
        texts[t + 4] = pool.canonical(o.principal());
        texts[t + 5] = pool.canonical(o.sourceIp());
        texts[t + 6] = pool.canonical(o.local());
        texts[t + 7] = pool.canonical(o.message());
        texts[t + 8] = pool.canonical(o.resource());
        next = (i + 1) % capacity;
        total++;
    }

    /** The connections held, oldest first. */
    public synchronized List<Observation> snapshot() {
        int held = (int) Math.min(total, capacity);
        List<Observation> out = new ArrayList<>(held);
        int first = total <= capacity ? 0 : next;
        for (int k = 0; k < held; k++) {
            out.add(entry((first + k) % capacity));
        }
        return out;
    }

    private Observation entry(int i) {
        int t = i * TEXTS;
        return new Observation(at[i], texts[t], texts[t + 1], texts[t + 2], port[i], protocol[i],
                texts[t + 3], texts[t + 4], texts[t + 5], texts[t + 6], (flags[i] & ALLOWED) != 0, reason[i],
                texts[t + 7], texts[t + 8], (flags[i] & UNDECLARED) != 0, bytesReceived[i], bytesSent[i]);
    }

    public int capacity() {
        return capacity;
    }

    /** Connections seen since start, including those overwritten. */
    public synchronized long total() {
        return total;
    }
}
