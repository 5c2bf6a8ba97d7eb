package io.portcullis.cli;

import java.io.InputStream;

/** A command that may read {@code -f -}; given its stdin by {@link Main}, so tests can supply one. */
interface ReadsStdin {
    void stdin(InputStream in);
}
