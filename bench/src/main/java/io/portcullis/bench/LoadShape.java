package io.portcullis.bench;

import java.util.Locale;

/**
 * How hard the load generators push: wrk's threads and connections, and the TLS load's
 * concurrent loops. {@code standard} is the shape {@code bench/RESULTS.md} has used; {@code light}
 * is the second harness's of the per-connection issue (wrk -t1 -c50, 4 TLS loops, one warm-up
 * pass of one round's length), which leaves the load generators more of the other core.
 *
 * @param warmupSeconds the warm-up per figure when {@code --warmup-seconds} is not given
 */
record LoadShape(String name, int wrkThreads, int wrkConnections, int tlsConcurrency, int warmupSeconds) {
    static final LoadShape STANDARD = new LoadShape("standard", 2, 50, 32, 10);
    static final LoadShape LIGHT = new LoadShape("light", 1, 50, 4, 5);

    static LoadShape named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "standard" -> STANDARD;
            case "light" -> LIGHT;
            default -> throw new IllegalArgumentException("--load standard|light, not " + name);
        };
    }

    String describe() {
        return String.format(Locale.ROOT, "wrk: %d thread%s, %d connections; TLS load: %d concurrent loops",
                wrkThreads, wrkThreads == 1 ? "" : "s", wrkConnections, tlsConcurrency);
    }
}
