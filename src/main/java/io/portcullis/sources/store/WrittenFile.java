package io.portcullis.sources.store;

import io.portcullis.model.RawFile;
import io.portcullis.model.RawFile.Segment;
import io.portcullis.model.ResourceParser;
import io.portcullis.sources.FolderFile;
import io.portcullis.sources.FolderLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * A file the store is about to write, as the folder's parse of it: taken from the trees the store
 * wrote when every document of the file is one it wrote exactly (the common case: one resource per
 * file), otherwise read from the text like any file. Either way the same parse as reading the file
 * would give, so the write is validated as the folder will read it. Stateless.
 */
final class WrittenFile {
    private WrittenFile() {
    }

    /** @param documents the file's documents in order; null for a removed one */
    static FolderFile of(String name, List<EditedDocument> documents) {
        StringBuilder text = new StringBuilder();
        List<EditedDocument.Written> written = new ArrayList<>();
        boolean fromTrees = true;
        for (EditedDocument d : documents) {
            if (d == null) {
                continue;
            }
            text.append(d.text());
            if (d instanceof EditedDocument.Written w && w.exact()) {
                written.add(w);
            } else {
                fromTrees = false;
            }
        }
        String all = text.toString();
        if (!fromTrees || written.isEmpty() || all.length() > FolderLoader.MAX_FILE_BYTES || !cutAsWritten(name, all, written)) {
            return FolderFile.unwritten(name, all);
        }
        List<Segment> segments = new ArrayList<>();
        List<ResourceParser.Tree> trees = new ArrayList<>();
        int line = 1;
        for (EditedDocument.Written w : written) {
            segments.add(new Segment(w.text(), List.of(w.object()), false, true));
            trees.add(new ResourceParser.Tree(w.object().tree(), line + headLines(w.text())));
            line += newlines(w.text());
        }
        return FolderFile.unwritten(name, all, ResourceParser.read(name, trees), new RawFile(name, segments));
    }

    /** Whether the folder's reader cuts {@code text} into exactly the documents written: no separator line inside one. */
    private static boolean cutAsWritten(String name, String text, List<EditedDocument.Written> written) {
        List<String> pieces = RawFile.cut(name, text);
        if (pieces.size() != written.size()) {
            return false;
        }
        for (int i = 0; i < pieces.size(); i++) {
            if (!pieces.get(i).equals(written.get(i).text())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code head} (what precedes a document the store writes in place of another) holds
     * only blank lines, comments and a {@code ---} line with nothing but a comment after it, so
     * that the document under it reads as written.
     */
    static boolean plainHead(String head) {
        for (String line : head.split("\n", -1)) {
            String l = line.strip();
            if (l.startsWith("---")) {
                l = l.substring(3).strip();
            }
            if (!l.isEmpty() && !l.startsWith("#")) {
                return false;
            }
        }
        return true;
    }

    /** The lines before the document itself: a separator and comments (the document's line is for messages only). */
    private static int headLines(String text) {
        int lines = 0;
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            String l = text.substring(pos, nl < 0 ? text.length() : nl).strip();
            if (!l.isEmpty() && !l.startsWith("#") && !l.startsWith("---")) {
                break;
            }
            lines++;
            pos = nl < 0 ? text.length() : nl + 1;
        }
        return lines;
    }

    private static int newlines(String text) {
        int n = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
            n++;
        }
        return n;
    }
}
