package io.portcullis.sources.store;

import io.portcullis.model.RawFile.RawObject;
import io.portcullis.model.RawFile.Segment;

/** One document of a file the store is changing: kept as it was read, or written by the store from a tree. */
sealed interface EditedDocument {
    /** The document's text, as it goes into the file. */
    String text();

    /** A document of the file as read, left as it was. */
    record Kept(Segment segment) implements EditedDocument {
        @Override
        public String text() {
            return segment.text();
        }
    }

    /**
     * A document the store wrote from {@code object}'s tree.
     *
     * @param exact whether {@code text} is known to read back as exactly that tree and nothing else (YAML checked
     *              when it was written, under a head of comments and a separator only): then the file's parse can
     *              be taken from the tree
     */
    record Written(String text, RawObject object, boolean exact) implements EditedDocument {}
}
