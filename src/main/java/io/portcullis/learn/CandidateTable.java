package io.portcullis.learn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learned destinations, at most {@code limit} of them: past the limit the one seen least
 * recently is evicted (and counted), so a scan of random names costs a bounded amount of memory
 * and pushes out only what has gone quiet. Thread-safe: the learner adds under the lock, readers
 * copy under it.
 */
public final class CandidateTable {
    private final int limit;
    private final LinkedHashMap<Key, Candidate> byKey;
    private long evicted;

    private record Key(String destination, int port) {}

    public CandidateTable(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
        this.byKey = new LinkedHashMap<>(Math.min(limit, 1024), 0.75f, true);
    }

    public int limit() {
        return limit;
    }

    public synchronized void add(Observation o) {
        Key key = new Key(o.destination(), o.port());
        Candidate c = byKey.get(key);
        if (c == null) {
            c = new Candidate(o.destination(), o.host() != null, o.port());
            byKey.put(key, c);
            evictPastLimit();
        }
        c.add(o);
    }

    /** Restores candidates read from the state file (the most recently seen win the limit). */
    public synchronized void restore(List<CandidateView> views) {
        List<CandidateView> sorted = new ArrayList<>(views);
        sorted.sort((a, b) -> Long.compare(a.lastSeen(), b.lastSeen()));
        for (CandidateView v : sorted) {
            byKey.put(new Key(v.destination(), v.port()), Candidate.of(v));
            evictPastLimit();
        }
    }

    private void evictPastLimit() {
        Iterator<Map.Entry<Key, Candidate>> it = byKey.entrySet().iterator();
        while (byKey.size() > limit && it.hasNext()) {
            it.next();
            it.remove();
            evicted++;
        }
    }

    /** Every candidate, most recently seen first. */
    public synchronized List<CandidateView> snapshot() {
        List<CandidateView> out = new ArrayList<>(byKey.size());
        byKey.values().forEach(c -> out.add(c.view()));
        out.sort((a, b) -> Long.compare(b.lastSeen(), a.lastSeen()));
        return out;
    }

    public synchronized int size() {
        return byKey.size();
    }

    /** Candidates evicted for room since start. */
    public synchronized long evicted() {
        return evicted;
    }

    public synchronized void clear() {
        byKey.clear();
    }
}
