package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.RawFile;
import io.portcullis.model.RawFile.Segment;
import io.portcullis.sources.FolderSnapshot;
import io.portcullis.sources.FolderTransaction;
import io.portcullis.sources.store.FolderView.Location;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The file changes one write makes, computed against a {@link FolderView}: a resource of its own
 * file is rewritten in that file, one of a hand-written multi-document file has its document (and
 * nothing else) replaced or removed, a new one gets a file of its own. Every other byte of a file
 * is kept, comments included. Not thread-safe; one per write.
 */
final class FileEdits {
    private final FolderView view;
    /** File name to its segment texts; a null segment is removed; a null list is a removed file. */
    private final Map<String, List<String>> edited = new LinkedHashMap<>();
    /** The folder after the change, parsed; made once every edit is made. */
    private FolderSnapshot candidate;

    FileEdits(FolderView view) {
        this.view = view;
    }

    boolean isEmpty() {
        return edited.isEmpty();
    }

    /** Replaces the document of the resource at {@code at} with {@code tree}. */
    void replace(Location at, FolderView.Key key, ObjectNode tree) throws StoreException {
        RawFile file = view.file(at.file());
        Segment segment = file.segments().get(at.segment());
        requireAlone(at, key, segment);
        if (file.segments().size() == 1 && isJson(at.file())) {
            segments(at.file()).set(0, ObjectText.json(tree));
            return;
        }
        String head = segment.head();
        if (!head.isEmpty() && !head.endsWith("\n")) {
            head += "\n";
        }
        segments(at.file()).set(at.segment(), head + ObjectText.yaml(tree));
    }

    /** Removes the resource at {@code at}: its document, or its file when nothing else is in it. */
    void remove(Location at, FolderView.Key key) throws StoreException {
        RawFile file = view.file(at.file());
        requireAlone(at, key, file.segments().get(at.segment()));
        List<String> texts = segments(at.file());
        texts.set(at.segment(), null);
        boolean nothingLeft = true;
        for (int i = 0; i < texts.size(); i++) {
            boolean untouchedEmpty = i < file.segments().size() && file.segments().get(i).isEmpty()
                    && file.segments().get(i).text().equals(texts.get(i));
            if (texts.get(i) != null && !untouchedEmpty) {
                nothingLeft = false;
            }
        }
        if (nothingLeft) {
            edited.put(at.file(), null);
        }
    }

    /** Writes a new resource to the file named after it (appended as a document if that name is taken). */
    void create(FolderView.Key key, ObjectNode tree) {
        String name = ResourceFileNames.of(key);
        String yaml = ObjectText.yaml(tree);
        if (!view.hasFile(name) && !edited.containsKey(name)) {
            edited.put(name, new ArrayList<>(List.of(yaml)));
            return;
        }
        List<String> texts = segments(name);
        String last = lastText(texts);
        texts.add((last.isEmpty() || last.endsWith("\n") ? "" : "\n") + "---\n" + yaml);
    }

    /** The files the change writes, by name, to their new text; null for a file it removes. */
    Map<String, String> changes() {
        Map<String, String> out = new LinkedHashMap<>();
        edited.forEach((name, segments) -> out.put(name, segments == null ? null : join(segments)));
        return out;
    }

    /**
     * The folder as it will be after the change, only the changed files parsed: to validate it, and
     * to hand to the parsed folder once written. Call once every edit is made.
     */
    FolderSnapshot candidate() {
        if (candidate == null) {
            candidate = view.snapshot().with(changes());
        }
        return candidate;
    }

    /** The folder's file texts as they will be after the change (every file: prefer {@link #changes}). */
    SortedMap<String, String> result() {
        SortedMap<String, String> out = view.texts();
        changes().forEach((name, text) -> {
            if (text == null) {
                out.remove(name);
            } else {
                out.put(name, text);
            }
        });
        return out;
    }

    /** The change as one all-or-nothing transaction, which checks each file still holds what was read. */
    FolderTransaction transaction(Path dir) {
        FolderTransaction tx = new FolderTransaction(dir);
        edited.forEach((name, segments) -> {
            String before = view.text(name);
            if (segments == null) {
                tx.delete(name, before);
            } else {
                tx.write(name, join(segments), before);
            }
        });
        return tx;
    }

    private List<String> segments(String name) {
        List<String> texts = edited.get(name);
        if (texts == null) {
            texts = new ArrayList<>();
            RawFile file = view.file(name);
            if (file != null && !edited.containsKey(name)) {
                for (Segment s : file.segments()) {
                    texts.add(s.text());
                }
            }
            edited.put(name, texts);
        }
        return texts;
    }

    private static void requireAlone(Location at, FolderView.Key key, Segment segment) throws StoreException {
        if (!segment.isSolely(at.object().id())) {
            throw new StoreException(StoreException.Reason.CONFLICT, key + " is written in " + at.file()
                    + " together with other resources in one document (a List, or several JSON values); the API"
                    + " changes a resource only when it has a document of its own: edit " + at.file()
                    + " by hand, or give the resource a document of its own first");
        }
    }

    private static String lastText(List<String> texts) {
        for (int i = texts.size() - 1; i >= 0; i--) {
            if (texts.get(i) != null) {
                return texts.get(i);
            }
        }
        return "";
    }

    private static String join(List<String> segments) {
        StringBuilder sb = new StringBuilder();
        segments.forEach(s -> {
            if (s != null) {
                sb.append(s);
            }
        });
        return sb.toString();
    }

    private static boolean isJson(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".json");
    }
}
