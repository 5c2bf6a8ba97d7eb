package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.RawFile;
import io.portcullis.model.RawFile.RawObject;
import io.portcullis.model.RawFile.Segment;
import io.portcullis.sources.FolderFile;
import io.portcullis.sources.FolderSnapshot;
import io.portcullis.sources.FolderTransaction;
import io.portcullis.sources.store.EditedDocument.Kept;
import io.portcullis.sources.store.EditedDocument.Written;
import io.portcullis.sources.store.FolderView.Location;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The file changes one write makes, computed against a {@link FolderView}: a resource of its own
 * file is rewritten in that file, one of a hand-written multi-document file has its document (and
 * nothing else) replaced or removed, a new one gets a file of its own. Every other byte of a file
 * is kept, comments included. A document it writes is kept with the tree it was written from, so
 * the folder it makes ({@link #candidate}) reads no text the store wrote itself ({@link WrittenFile}).
 * Not thread-safe; one per write.
 */
final class FileEdits {
    private final FolderView view;
    /** File name to its documents; a null document is removed; a null list is a removed file. */
    private final Map<String, List<EditedDocument>> edited = new LinkedHashMap<>();
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
        RawObject object = written(tree);
        if (file.segments().size() == 1 && isJson(at.file())) {
            segments(at.file()).set(0, new Written(ObjectText.json(tree), object, false));
            return;
        }
        String head = segment.head();
        if (!head.isEmpty() && !head.endsWith("\n")) {
            head += "\n";
        }
        Optional<String> yaml = ObjectText.exactYaml(tree);
        segments(at.file()).set(at.segment(), new Written(head + yaml.orElseGet(() -> ObjectText.json(tree)), object,
                yaml.isPresent() && WrittenFile.plainHead(head)));
    }

    /** Removes the resource at {@code at}: its document, or its file when nothing else is in it. */
    void remove(Location at, FolderView.Key key) throws StoreException {
        RawFile file = view.file(at.file());
        requireAlone(at, key, file.segments().get(at.segment()));
        List<EditedDocument> documents = segments(at.file());
        documents.set(at.segment(), null);
        boolean nothingLeft = true;
        for (EditedDocument d : documents) {
            boolean untouchedEmpty = d instanceof Kept k && k.segment().isEmpty();
            if (d != null && !untouchedEmpty) {
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
        RawObject object = written(tree);
        Optional<String> exact = ObjectText.exactYaml(tree);
        String yaml = exact.orElseGet(() -> ObjectText.json(tree));
        if (!view.hasFile(name) && !edited.containsKey(name)) {
            edited.put(name, new ArrayList<>(List.of(new Written(yaml, object, exact.isPresent()))));
            return;
        }
        List<EditedDocument> documents = segments(name);
        String last = lastText(documents);
        String separator = last.isEmpty() || last.endsWith("\n") ? "---\n" : "\n---\n";
        documents.add(new Written(separator + yaml, object, exact.isPresent()));
    }

    /** The files the change writes, by name, to their new text; null for a file it removes. */
    Map<String, String> changes() {
        Map<String, String> out = new LinkedHashMap<>();
        edited.forEach((name, documents) -> out.put(name, documents == null ? null : join(documents)));
        return out;
    }

    /**
     * The folder as it will be after the change, only the changed files parsed (and of those, only
     * the documents the store did not write itself): to validate it, and to hand to the parsed
     * folder once written. Call once every edit is made.
     */
    FolderSnapshot candidate() {
        if (candidate == null) {
            Map<String, FolderFile> files = new LinkedHashMap<>();
            edited.forEach((name, documents) -> files.put(name, documents == null ? null : WrittenFile.of(name, documents)));
            candidate = view.snapshot().withFiles(files);
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
        edited.forEach((name, documents) -> {
            String before = view.text(name);
            if (documents == null) {
                tx.delete(name, before);
            } else {
                // The candidate's text when it was made: the very string validated is the one written.
                FolderFile made = candidate == null ? null : candidate.files().get(name);
                tx.write(name, made != null ? made.text() : join(documents), before);
            }
        });
        return tx;
    }

    private List<EditedDocument> segments(String name) {
        List<EditedDocument> documents = edited.get(name);
        if (documents == null) {
            documents = new ArrayList<>();
            RawFile file = view.file(name);
            if (file != null && !edited.containsKey(name)) {
                for (Segment s : file.segments()) {
                    documents.add(new Kept(s));
                }
            }
            edited.put(name, documents);
        }
        return documents;
    }

    /** The tree the store writes, as the folder's reader will identify it. */
    private static RawObject written(ObjectNode tree) {
        return RawObject.of(tree).orElseThrow(() -> new IllegalStateException("a stored tree without kind or name"));
    }

    private static void requireAlone(Location at, FolderView.Key key, Segment segment) throws StoreException {
        if (!segment.isSolely(at.object().id())) {
            throw new StoreException(StoreException.Reason.CONFLICT, key + " is written in " + at.file()
                    + " together with other resources in one document (a List, or several JSON values); the API"
                    + " changes a resource only when it has a document of its own: edit " + at.file()
                    + " by hand, or give the resource a document of its own first");
        }
    }

    private static String lastText(List<EditedDocument> documents) {
        for (int i = documents.size() - 1; i >= 0; i--) {
            if (documents.get(i) != null) {
                return documents.get(i).text();
            }
        }
        return "";
    }

    private static String join(List<EditedDocument> documents) {
        StringBuilder sb = new StringBuilder();
        documents.forEach(d -> {
            if (d != null) {
                sb.append(d.text());
            }
        });
        return sb.toString();
    }

    private static boolean isJson(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".json");
    }
}
