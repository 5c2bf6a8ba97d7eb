package io.portcullis.sources;

import io.portcullis.model.ParsedFile;
import io.portcullis.model.RawFile;
import io.portcullis.sources.ParsedFolder.Stamp;
import java.time.Instant;

/**
 * One configuration file as read: its text, what the parser made of it, and, made on first use
 * for the admin API, its text cut into documents ({@link RawFile}). Immutable once made; the
 * cut is computed at most once per file version.
 */
public final class FolderFile {
    private final String name;
    private final Stamp stamp;
    private final String text;
    private final ParsedFile parsed;
    private final long readAtNanos;
    private volatile RawFile raw;

    private FolderFile(String name, Stamp stamp, String text, ParsedFile parsed, long readAtNanos, RawFile raw) {
        this.name = name;
        this.stamp = stamp;
        this.text = text;
        this.parsed = parsed;
        this.readAtNanos = readAtNanos;
        this.raw = raw;
    }

    static FolderFile parse(String name, Stamp stamp, String text, long readAtNanos) {
        return new FolderFile(name, stamp, text, FolderLoader.parseFile(name, text), readAtNanos, null);
    }

    /** The same text read again: its parse is kept. */
    FolderFile seenAgain(Stamp newStamp, long readAt) {
        return new FolderFile(name, newStamp, text, parsed, readAt, raw);
    }

    /**
     * Whether this file was read more than {@code settleNanos} after it was last modified or
     * changed, so that an unchanged stamp means unchanged text.
     */
    boolean settled(long settleNanos) {
        return readAtNanos - Math.max(stamp.modifiedNanos(), stamp.changedNanos()) > settleNanos;
    }

    public String name() {
        return name;
    }

    Stamp stamp() {
        return stamp;
    }

    public String text() {
        return text;
    }

    public ParsedFile parsed() {
        return parsed;
    }

    /** When the file was last modified, as read. */
    public Instant modified() {
        return stamp.modified();
    }

    /** The file cut into documents, each with its raw tree; shared, so never change the trees. */
    public RawFile raw() {
        RawFile r = raw;
        if (r == null) {
            r = RawFile.split(name, text);
            raw = r;
        }
        return r;
    }
}
