package io.portcullis.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Splits a file into its documents ({@code ---} in YAML, concatenated values in JSON) as JSON
 * trees, each with the line it starts on. Duplicate keys and YAML aliases are refused: Jackson
 * would silently keep the last duplicate and turn an alias into its name.
 */
final class Documents {
    /** One document; {@code root} is never null. */
    record Document(JsonNode root, int line) {}

    // Files may be 4 MiB (FolderLoader's limit); SnakeYAML's default stops at 3 MB.
    private static final int MAX_CODE_POINTS = 8 * 1024 * 1024;
    // SnakeYAML copies its buffer for every 1 KiB of a token it has not consumed yet, so a single
    // 4 MiB line takes seconds; no configuration needs lines this long.
    static final int MAX_YAML_LINE = 256 * 1024;
    /** No Istio resource nests deeper than about ten levels; Jackson's own bound (1000) costs stack in the tree mapping. */
    static final int MAX_NESTING = 100;
    private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING).build();

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .loaderOptions(loaderOptions())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .streamReadConstraints(CONSTRAINTS)
            .build();
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(CONSTRAINTS)
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Documents() {
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        return options;
    }

    static boolean isJson(String fileName) {
        return fileName != null && fileName.toLowerCase(Locale.ROOT).endsWith(".json");
    }

    /**
     * The non-empty documents of {@code text}. Malformed text is reported as one error with its
     * line and column; the documents before it are still returned.
     */
    static List<Document> read(String fileName, String text, Findings findings) {
        return read(text, findings, isJson(fileName));
    }

    /** As {@link #read(String, String, Findings)}, the format given rather than taken from a file name. */
    static List<Document> read(String text, Findings findings, boolean json) {
        List<Document> out = new ArrayList<>();
        each(text, findings, json, out::add);
        return out;
    }

    /**
     * Hands each non-empty document of {@code text} to {@code consumer} as soon as it is read, so a
     * file of thousands of documents never holds more than one tree at a time; malformed text is
     * reported as {@link #read(String, Findings, boolean)} does, after the documents before it.
     */
    static void each(String text, Findings findings, boolean json, Consumer<Document> consumer) {
        String format = json ? "JSON" : "YAML";
        if (!json && tooLongLine(text, findings)) {
            return;
        }
        try (JsonParser parser = json ? JSON.createParser(text) : new AliasRefusingParser(YAML.createParser(text))) {
            while (parser.nextToken() != null) {
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode root = MAPPER.readTree(parser);
                if (root != null && !root.isNull() && !root.isMissingNode()) {
                    consumer.accept(new Document(root, line));
                }
            }
        } catch (StreamConstraintsException e) {
            findings.error(null, e.getMessage().contains("nesting depth")
                    ? "nested deeper than " + MAX_NESTING + " levels; refused (no Istio resource nests that deep)"
                    : "malformed " + format + ": " + e.getOriginalMessage().replaceFirst(", from `.*`\\)", ")"));
        } catch (JsonProcessingException e) {
            findings.error(null, malformed(format, e));
        } catch (IOException | RuntimeException e) {
            // SnakeYAML reports some limits (code points, nesting) as unchecked exceptions.
            findings.error(null, "malformed " + format + ": " + e.getMessage());
        }
    }

    private static boolean tooLongLine(String text, Findings findings) {
        int line = 1;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '\n') {
                if (i - start > MAX_YAML_LINE) {
                    findings.error(null, "line " + line + " is longer than " + MAX_YAML_LINE / 1024 + " KiB; refused"
                            + " (split it, or use JSON for machine-written files)");
                    return true;
                }
                line++;
                start = i + 1;
            }
        }
        return false;
    }

    private static String malformed(String format, JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            Mark mark = m.getProblemMark();
            String context = m.getContext() == null ? "" : " (" + m.getContext() + ")";
            return "malformed YAML at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": "
                    + m.getProblem() + context;
        }
        JsonLocation loc = e.getLocation();
        String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        String message = e.getOriginalMessage().replaceFirst("^Duplicate field '(.*)'$",
                "duplicate key \"$1\" (a key may appear once in a mapping)");
        int cut = message.indexOf('\n');
        return "malformed " + format + where + ": " + (cut < 0 ? message : message.substring(0, cut));
    }

    /** Stops at the first alias ({@code *name}), which Jackson's tree model would read as a plain string. */
    private static final class AliasRefusingParser extends JsonParserDelegate {
        AliasRefusingParser(JsonParser yaml) {
            super(yaml);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken token = super.nextToken();
            if (((YAMLParser) delegate).isCurrentAlias()) {
                throw new JsonParseException(this, "YAML aliases (*" + delegate.getText()
                        + ") are not supported; write the value out");
            }
            return token;
        }
    }
}
