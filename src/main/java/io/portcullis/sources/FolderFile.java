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
    /** Read through a symbolic link: its target may change with no event in the folder, so it is looked at each time. */
    private final boolean link;
    private volatile RawFile raw;

    private FolderFile(String name, Stamp stamp, String text, ParsedFile parsed, long readAtNanos, boolean link,
                       RawFile raw) {
        this.name = name;
        this.stamp = stamp;
        this.text = text;
        this.parsed = parsed;
        this.readAtNanos = readAtNanos;
        this.link = link;
        this.raw = raw;
    }

    static FolderFile parse(String name, Stamp stamp, String text, long readAtNanos, boolean link) {
        return new FolderFile(name, stamp, text, FolderLoader.parseFile(name, text), readAtNanos, link, null);
    }

    /**
     * A text a writer is about to write, parsed: part of a candidate folder ({@link FolderSnapshot#with}),
     * never trusted as read until {@link ParsedFolder#adopt} gives it the stamp of the written file.
     */
    public static FolderFile unwritten(String name, String text) {
        return new FolderFile(name, Stamp.NONE, text, FolderLoader.parseFile(name, text), 0, false, null);
    }

    /**
     * As {@link #unwritten(String, String)}, for a text the writer made itself from trees it holds:
     * {@code parsed} and {@code raw} are what parsing and cutting {@code text} give (the writer
     * vouches for it, having checked that each document reads back as its tree), so it is not parsed again.
     */
    public static FolderFile unwritten(String name, String text, ParsedFile parsed, RawFile raw) {
        return new FolderFile(name, Stamp.NONE, text, parsed, 0, false, raw);
    }

    /** The same text read again: its parse is kept. */
    FolderFile seenAgain(Stamp newStamp, long readAt, boolean isLink) {
        return new FolderFile(name, newStamp, text, parsed, readAt, isLink, raw);
    }

    /**
     * Whether {@code other} (may be null) holds this very parse: the same text, parsed once, so
     * whatever was validated from one holds for the other.
     */
    @SuppressWarnings("ReferenceEquality") // identity is the point: one parse per text read
    boolean sameParseAs(FolderFile other) {
        return other != null && other.parsed == parsed;
    }

    boolean link() {
        return link;
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
