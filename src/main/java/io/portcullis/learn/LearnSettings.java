package io.portcullis.learn;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How much the learner keeps and where.
 *
 * @param maxCandidates     destinations kept (the least recently seen is evicted past it)
 * @param recentConnections connections kept for {@code diff} and the live view (a ring)
 * @param stateFile         where the candidates survive restarts; null to keep them in memory only
 * @param saveEvery         how often the state file is rewritten when something changed (and on shutdown)
 * @param queueCapacity     records waiting for the learner; past it records are dropped, never waited for
 */
public record LearnSettings(int maxCandidates, int recentConnections, Path stateFile, Duration saveEvery,
                            int queueCapacity) {
    public static final int DEFAULT_MAX_CANDIDATES = 10_000;
    public static final int DEFAULT_RECENT_CONNECTIONS = 10_000;
    public static final String STATE_FILE_NAME = "learned.json";

    public LearnSettings {
        if (maxCandidates < 1 || recentConnections < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("learn limits must be > 0 (max candidates " + maxCandidates
                    + ", recent connections " + recentConnections + ", queue " + queueCapacity + ")");
        }
    }

    /** The defaults, with the state file in {@code portcullis-state/} next to the configuration folder. */
    /** The default limits, kept in memory only: no state file. */
    public static LearnSettings inMemory() {
        return new LearnSettings(DEFAULT_MAX_CANDIDATES, DEFAULT_RECENT_CONNECTIONS, null, Duration.ofSeconds(30), 65_536);
    }

    public static LearnSettings defaults(Path configDir) {
        return new LearnSettings(DEFAULT_MAX_CANDIDATES, DEFAULT_RECENT_CONNECTIONS, defaultStateFile(configDir),
                Duration.ofSeconds(30), 65_536);
    }

    /** {@code CONFIG/../portcullis-state/learned.json}: beside the folder, never inside it (the watch reads that). */
    public static Path defaultStateFile(Path configDir) {
        Path abs = configDir.toAbsolutePath().normalize();
        Path parent = abs.getParent() == null ? abs : abs.getParent();
        String name = abs.getFileName() == null ? "root" : abs.getFileName().toString();
        return parent.resolve("portcullis-state").resolve(name + "-" + STATE_FILE_NAME);
    }

    public LearnSettings withStateFile(Path file) {
        return new LearnSettings(maxCandidates, recentConnections, file, saveEvery, queueCapacity);
    }
}
