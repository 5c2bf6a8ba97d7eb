package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one place that decides what of a resource tree is configuration and what the server
 * writes: {@code metadata.resourceVersion}, {@code uid}, {@code generation}, {@code managedFields},
 * {@code selfLink}, {@code creationTimestamp} and {@code status} are the server's. A resource's
 * version is a digest of its configuration, so it changes with every change of content, whoever
 * makes it (the API or a hand edit), survives restarts, and needs no counter stored anywhere.
 * Stateless and thread-safe.
 */
final class ObjectNormalizer {
    private static final List<String> SERVER_METADATA =
            List.of("resourceVersion", "uid", "generation", "managedFields", "selfLink", "creationTimestamp");
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_INSTANT;
    private static final int VERSION_HEX_DIGITS = 16;

    private ObjectNormalizer() {
    }

    /**
     * The tree to store: server-written fields removed, {@code metadata.namespace} set, and
     * {@code metadata.creationTimestamp} (kept when the resource is replaced, for its age) when given.
     */
    static ObjectNode forStorage(ObjectNode given, String namespace, String creationTimestamp) {
        ObjectNode content = content(given, namespace);
        if (creationTimestamp != null) {
            ((ObjectNode) content.get("metadata")).put("creationTimestamp", creationTimestamp);
        }
        return content;
    }

    /** The tree as served: the stored tree with {@code resourceVersion} and {@code creationTimestamp}. */
    static ObjectNode forResponse(ObjectNode stored, String namespace, String resourceVersion, String creationTimestamp) {
        ObjectNode out = content(stored, namespace);
        ObjectNode metadata = (ObjectNode) out.get("metadata");
        if (creationTimestamp != null) {
            metadata.put("creationTimestamp", creationTimestamp);
        }
        metadata.put("resourceVersion", resourceVersion);
        return out;
    }

    /** Whether two trees are the same configuration (server-written fields and key order aside). */
    static boolean sameContent(ObjectNode a, ObjectNode b, String namespace) {
        return content(a, namespace).equals(content(b, namespace));
    }

    /** The version of a resource's configuration: the same content always has the same version. */
    static String version(ObjectNode tree, String namespace) {
        try {
            byte[] canonical = ObjectText.mapper().writeValueAsBytes(sorted(content(tree, namespace)));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(digest).substring(0, VERSION_HEX_DIGITS);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot compute a resource version", e);
        }
    }

    /** {@code metadata.resourceVersion} as the client sent it, or null when absent or empty. */
    static String givenVersion(ObjectNode tree) {
        JsonNode v = tree.path("metadata").path("resourceVersion");
        return v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    /** {@code metadata.creationTimestamp} as stored, or null. */
    static String creationTimestamp(ObjectNode tree) {
        JsonNode v = tree.path("metadata").path("creationTimestamp");
        return v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    /** A copy in the usual order (apiVersion, kind, metadata with name and namespace first, spec, rest) without server fields. */
    private static ObjectNode content(ObjectNode in, String namespace) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        copy(in, out, "apiVersion");
        copy(in, out, "kind");
        ObjectNode metadata = out.putObject("metadata");
        JsonNode givenMeta = in.get("metadata");
        copy(givenMeta, metadata, "name");
        metadata.put("namespace", namespace);
        if (givenMeta != null && givenMeta.isObject()) {
            givenMeta.properties().forEach(e -> {
                if (!e.getKey().equals("name") && !e.getKey().equals("namespace")
                        && !SERVER_METADATA.contains(e.getKey())) {
                    metadata.set(e.getKey(), e.getValue().deepCopy());
                }
            });
        }
        copy(in, out, "spec");
        in.properties().forEach(e -> {
            if (!out.has(e.getKey()) && !e.getKey().equals("status") && !e.getKey().equals("metadata")) {
                out.set(e.getKey(), e.getValue().deepCopy());
            }
        });
        return out;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        if (from != null && from.has(field) && !from.get(field).isNull()) {
            to.set(field, from.get(field).deepCopy());
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> fields = new TreeMap<>();
            node.properties().forEach(e -> fields.put(e.getKey(), sorted(e.getValue())));
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(n -> items.add(sorted(n)));
            return JsonNodeFactory.instance.arrayNode().addAll(items);
        }
        return node;
    }
}
