package io.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.ObjectText;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * JSON or YAML, by {@code Content-Type} for what a client sends and by {@code Accept} for what it
 * gets back (JSON unless it asks for YAML).
 */
final class BodyFormat {
    private BodyFormat() {
    }

    /** Whether a request body is JSON: by its content type, else by its first character. */
    static boolean isJson(AdminRequest r) {
        if (r.contentType().contains("json")) {
            return true;
        }
        if (r.contentType().contains("yaml")) {
            return false;
        }
        String b = r.body().stripLeading();
        return b.startsWith("{") || b.startsWith("[");
    }

    static boolean wantsYaml(AdminRequest r) {
        return r.accept().contains("yaml") || "yaml".equals(r.param("output"));
    }

    static AdminResponse tree(AdminRequest r, int status, JsonNode tree, List<String> warnings) {
        boolean yaml = wantsYaml(r);
        String text = yaml ? ObjectText.yaml(tree) : ObjectText.json(tree);
        return new AdminResponse(status, yaml ? "application/yaml" : "application/json",
                text.getBytes(StandardCharsets.UTF_8), warnings);
    }
}
