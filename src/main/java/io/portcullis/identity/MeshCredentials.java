package io.portcullis.identity;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live mesh identity of {@code --mesh-certs DIR}: loaded at start, and reloaded when
 * {@link #reloadIfChanged} sees the files change (workload certificates are short-lived and get
 * re-issued into the same folder). A bad rotation keeps the previous identity in force.
 * {@link #current} is safe from any thread; reloading does file I/O and belongs on a timer thread.
 */
public final class MeshCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(MeshCredentials.class);

    private final Path dir;
    private volatile MeshIdentity current;

    private MeshCredentials(Path dir, MeshIdentity current) {
        this.dir = dir;
        this.current = current;
    }

    /** Loads {@code dir}; fails when any of the three files is missing or unreadable. */
    public static MeshCredentials load(Path dir) throws IOException {
        return new MeshCredentials(dir, MeshIdentity.load(dir));
    }

    public MeshIdentity current() {
        return current;
    }

    public Path dir() {
        return dir;
    }

    /** Reloads when the files changed since the last load; true when a new identity is now current. */
    public boolean reloadIfChanged() {
        try {
            if (MeshIdentity.stamp(dir).equals(current.stamp())) {
                return false;
            }
            MeshIdentity next = MeshIdentity.load(dir);
            current = next;
            LOG.info("mesh identity reloaded from {}: {}", dir, next);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("mesh identity in {} changed but cannot be read ({}); keeping {}", dir, e.getMessage(), current);
            return false;
        }
    }
}
