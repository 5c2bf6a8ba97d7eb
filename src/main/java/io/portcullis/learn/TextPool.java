package io.portcullis.learn;

import java.util.HashMap;
import java.util.Map;

/**
 * One shared copy of each short text that repeats across observations: host names, addresses,
 * listener names, principals, resource names. Not thread-safe: {@link RecentConnections} uses it
 * under its lock.
 *
 * <p>Why: {@link RecentConnections} holds the last 10,000 observations by default. At a few
 * thousand connections a second each one lives about a second: long enough to survive a young
 * collection and be copied by it, short enough to die before it is promoted. Every observation
 * used to hold five or six texts of its own, freshly formatted for its connection, so the ring
 * was about 5 MB of strings that every young collection copied again (measured with
 * {@code -Xlog:gc+phases}: 16 ms of "Object Copy" per pause on one core). With the texts shared,
 * the ring holds only its records, and what each connection formatted dies young.
 *
 * <p>Bounded: past {@code limit} distinct texts the pool starts afresh, so a flood of distinct
 * names (a scan, random subdomains) costs at most {@code limit} entries and never grows memory;
 * observations keep the copies they were given.
 */
final class TextPool {
    private final Map<String, String> texts;
    private final int limit;

    TextPool(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
        this.texts = new HashMap<>(Math.min(limit, 1024) * 2);
    }

    /** The pool's copy of {@code text}, which becomes the copy when it is new; null for null. */
    String canonical(String text) {
        if (text == null) {
            return null;
        }
        String known = texts.get(text);
        if (known != null) {
            return known;
        }
        if (texts.size() >= limit) {
            texts.clear();
        }
        texts.put(text, text);
        return text;
    }

    int size() {
        return texts.size();
    }
}
