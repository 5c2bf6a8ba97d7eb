package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.Documents.Document;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A configuration file as text cut into segments, one YAML document each ({@code ---} lines
 * start a segment), with the resource objects each segment holds as raw trees. It lets a tool
 * replace or remove one resource of a hand-written file and keep every other byte of the file,
 * comments included. Nothing is validated here: that is {@link ResourceParser}'s job on the whole
 * text. A JSON file is one segment. Immutable.
 *
 * @param segments concatenated in order, their texts are the file's text
 */
public record RawFile(String name, List<Segment> segments) {
    private static final Pattern SEPARATOR = Pattern.compile("---(?:[ \\t].*)?\\r?\\n?");

    public RawFile {
        segments = List.copyOf(segments);
    }

    /**
     * One document's text, from its {@code ---} line (if any) to the next.
     *
     * @param objects  the identifiable resources in it (several for a {@code kind: List})
     * @param list     whether it holds several resources in one piece of text: a {@code List} of
     *                 items, or several JSON values
     * @param readable false when its text did not parse, or held something that is not a resource
     */
    public record Segment(String text, List<RawObject> objects, boolean list, boolean readable) {
        public Segment {
            objects = List.copyOf(objects);
        }

        /** Whether this segment is exactly the one resource {@code id}, so it can be replaced alone. */
        public boolean isSolely(ResourceId id) {
            return readable && !list && objects.size() == 1 && objects.get(0).id().equals(id);
        }

        /** Whether the segment holds no document at all (only comments or blank lines). */
        public boolean isEmpty() {
            return readable && objects.isEmpty();
        }

        /** The separator line and the comment and blank lines before the document: kept when it is replaced. */
        public String head() {
            int end = 0;
            int pos = 0;
            boolean first = true;
            while (pos < text.length()) {
                int nl = text.indexOf('\n', pos);
                int next = nl < 0 ? text.length() : nl + 1;
                String line = text.substring(pos, next).strip();
                boolean separator = first && SEPARATOR.matcher(text.substring(pos, next)).matches();
                if (!separator && !line.isEmpty() && !line.startsWith("#")) {
                    break;
                }
                first = false;
                pos = next;
                end = next;
            }
            return text.substring(0, end);
        }
    }

    /** A resource as written: its id (namespace {@code default} when absent) and its whole tree. */
    public record RawObject(ResourceId id, String apiVersion, ObjectNode tree) {
        /** The tree as a resource, identified as {@link #split} identifies it; empty when it has no kind, name or apiVersion. */
        public static Optional<RawObject> of(JsonNode node) {
            if (!node.isObject()) {
                return Optional.empty();
            }
            ResourceId id = MetadataReader.identify(node);
            JsonNode apiVersion = node.get("apiVersion");
            if (id == null || apiVersion == null || !apiVersion.isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new RawObject(id, apiVersion.textValue(), (ObjectNode) node));
        }
    }

    /** Never throws: a segment that does not parse is kept as text and marked unreadable. */
    public static RawFile split(String name, String text) {
        List<Segment> segments = new ArrayList<>();
        for (String piece : cut(name, text)) {
            segments.add(segment(name, piece));
        }
        return new RawFile(name, segments);
    }

    /**
     * The texts of the segments {@link #split} makes of {@code text}, found without parsing it: a
     * writer that holds the documents it wrote as trees checks with it that they are cut as it
     * wrote them. At least one, possibly empty.
     */
    public static List<String> cut(String name, String text) {
        if (Documents.isJson(name)) {
            return List.of(text);
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int next = nl < 0 ? text.length() : nl + 1;
            // Only a line starting with "---" can be a separator: the pattern is tried on those alone.
            if (pos > start && text.startsWith("---", pos) && SEPARATOR.matcher(text.substring(pos, next)).matches()) {
                pieces.add(text.substring(start, pos));
                start = pos;
            }
            pos = next;
        }
        if (start < text.length() || pieces.isEmpty()) {
            pieces.add(text.substring(start));
        }
        return pieces;
    }

    /** Every identifiable resource of the file, in order. */
    public List<RawObject> objects() {
        List<RawObject> all = new ArrayList<>();
        segments.forEach(s -> all.addAll(s.objects()));
        return all;
    }

    /** The file's text. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        segments.forEach(s -> sb.append(s.text()));
        return sb.toString();
    }

    private static Segment segment(String name, String text) {
        Findings findings = new Findings(name);
        List<Document> docs = Documents.read(name, text, findings);
        boolean readable = findings.problems().isEmpty();
        List<RawObject> objects = new ArrayList<>();
        boolean list = false;
        for (Document d : docs) {
            JsonNode root = d.root();
            JsonNode kind = root.get("kind");
            if (root.isObject() && kind != null && kind.isTextual() && kind.textValue().endsWith("List")
                    && root.has("items")) {
                list = true;
                for (JsonNode item : root.path("items")) {
                    readable &= add(item, objects);
                }
            } else {
                readable &= add(root, objects);
            }
        }
        // Several JSON values in one file are several documents, which cannot be replaced one by one.
        return new Segment(text, objects, list || docs.size() > 1, readable);
    }

    private static boolean add(JsonNode node, List<RawObject> out) {
        Optional<RawObject> o = RawObject.of(node);
        o.ifPresent(out::add);
        return o.isPresent();
    }
}
