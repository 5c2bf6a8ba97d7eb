package io.portcullis.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Writes resource trees as text the way kubectl prints them: YAML without a document marker,
 * lists not indented under their key, strings quoted only where YAML needs it; JSON indented by
 * two spaces. What is written reads back as the same tree. Thread-safe.
 */
public final class ObjectText {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build());
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ObjectText() {
    }

    public static String yaml(JsonNode tree) {
        // Minimal quoting is a heuristic; should it ever lose a string's type, JSON (also YAML) cannot.
        return exactYaml(tree).orElseGet(() -> json(tree));
    }

    /**
     * The tree as YAML ({@link #yaml}), when that text reads back as exactly this tree (checked by
     * reading it back, the one parse a writer then needs); empty when it does not, e.g. when
     * minimal quoting would change a string's type, or a line is too long to read back.
     */
    public static Optional<String> exactYaml(JsonNode tree) {
        String text;
        try {
            text = YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write YAML", e);
        }
        List<Documents.Document> back = Documents.read("check.yaml", text, new Findings("check.yaml"));
        return back.size() == 1 && back.get(0).root().equals(tree) ? Optional.of(text) : Optional.empty();
    }

    /** Indented JSON ending in a newline. */
    public static String json(JsonNode tree) {
        try {
            return JSON.writeValueAsString(tree) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
    }

    /** JSON when {@code fileName} ends in {@code .json}, else YAML: the format {@link ResourceParser} reads it in. */
    public static String forFile(String fileName, JsonNode tree) {
        return Documents.isJson(fileName) ? json(tree) : yaml(tree);
    }

    private static final ObjectMapper COMPACT_JSON = new ObjectMapper();

    /** Writes compact JSON, for bodies machines read (large lists); never for parsing configuration. */
    public static ObjectMapper compactMapper() {
        return COMPACT_JSON;
    }

    /** A tree for building responses and documents (never for parsing configuration: see {@link ResourceParser}). */
    public static ObjectMapper mapper() {
        return JSON;
    }
}
