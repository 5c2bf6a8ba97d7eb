package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One JSON/YAML object being mapped onto a record: it knows the path that names it in messages
 * ({@code spec.servers[0]}) and the Istio message it must be ({@code Gateway.Server}).
 *
 * <p>Every field is asked for by its camelCase name and also found under its snake_case spelling,
 * as Istio's protobuf JSON accepts both; a field given in both spellings is an error. A field
 * that no mapper asked for is reported as unknown when the resource ends (see {@link Findings}),
 * so an unsupported field can never be silently ignored. JSON {@code null} counts as absent,
 * as it does in Kubernetes.
 */
final class Node {
    private static final int MAX_PORT = 65535;

    private final JsonNode json;
    private final String path;
    private final String type;
    private final Findings findings;
    private final Set<String> consumed = new HashSet<>();
    private final Set<String> asked = new LinkedHashSet<>();

    private Node(JsonNode json, String path, String type, Findings findings) {
        this.json = json;
        this.path = path;
        this.type = type;
        this.findings = findings;
        findings.register(this);
    }

    /** A node for {@code value}, or null (with an error when it is present but not an object). */
    static Node of(JsonNode value, String path, String type, Findings findings) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (!value.isObject()) {
            findings.error(path, "expected an object (" + type + "), got " + describe(value));
            return null;
        }
        return new Node(value, path, type, findings);
    }

    String path() {
        return path;
    }

    Findings findings() {
        return findings;
    }

    /** The path of field {@code name}, spelled as the user wrote it when present. */
    String fieldPath(String name) {
        String key = key(name, false);
        return join(path, key != null ? key : name);
    }

    String elementPath(String name, int index) {
        return fieldPath(name) + "[" + index + "]";
    }

    boolean has(String name) {
        return value(name) != null;
    }

    void error(String name, String reason) {
        findings.error(fieldPath(name), reason);
    }

    void warning(String name, String reason) {
        findings.warning(fieldPath(name), reason);
    }

    void errorHere(String reason) {
        findings.error(path, reason);
    }

    /** Marks fields as known and deliberately without effect, with no message (e.g. {@code metadata.uid}). */
    void allow(String... names) {
        for (String name : names) {
            value(name);
        }
    }

    /** Marks every field as known: for a resource refused whole, whose schema is not ours to check. */
    void allowRest() {
        json.fieldNames().forEachRemaining(consumed::add);
    }

    /** A field of Istio's schema that Portcullis accepts but does not act on: a warning, never silence. */
    void notActedOn(String name, String why) {
        if (value(name) != null) {
            warning(name, "accepted but not acted on by Portcullis (" + why + ")");
        }
    }

    String string(String name) {
        JsonNode v = value(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            error(name, "expected a string, got " + describe(v));
            return null;
        }
        return v.textValue();
    }

    /** A string that must be present and non-empty. */
    String requiredString(String name) {
        String s = string(name);
        if (s == null && !has(name)) {
            error(name, "required");
        } else if (s != null && s.isEmpty()) {
            error(name, "must not be empty");
            return null;
        }
        return s;
    }

    Boolean bool(String name) {
        JsonNode v = value(name);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            error(name, "expected true or false, got " + describe(v));
            return null;
        }
        return v.booleanValue();
    }

    /** An integer in [min, max], or null when absent or invalid (then with an error). */
    Integer integer(String name, int min, int max) {
        JsonNode v = value(name);
        return v == null ? null : checkInteger(v, fieldPath(name), min, max, findings);
    }

    /** A port number 1-65535, or 0 when absent or invalid (then with an error). */
    int port(String name) {
        Integer p = integer(name, 1, MAX_PORT);
        return p == null ? 0 : p;
    }

    static Integer checkInteger(JsonNode v, String where, int min, int max, Findings findings) {
        if (!v.isIntegralNumber()) {
            findings.error(where, "expected an integer, got " + describe(v));
            return null;
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            findings.error(where, v.asText() + " is out of range (expected: " + min + "-" + max + ")");
            return null;
        }
        return v.intValue();
    }

    static boolean isPort(long n) {
        return n >= 1 && n <= MAX_PORT;
    }

    /** An Istio enum, spelled exactly as Istio does; {@code absent} when the field is absent, null when invalid. */
    <E extends Enum<E>> E enumValue(String name, Class<E> type, E absent) {
        String text = string(name);
        if (text == null) {
            return has(name) ? null : absent;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(text)) {
                return e;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name());
        }
        error(name, "\"" + text + "\" is not a valid " + name + " (expected one of: " + allowed + ")");
        return null;
    }

    /** A list of strings; empty when absent. */
    List<String> strings(String name) {
        JsonNode v = value(name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            error(name, "expected a list of strings, got " + describe(v));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String flowIpv6 = flowIpv6(e);
            if (e.isTextual()) {
                out.add(e.textValue());
            } else if (flowIpv6 != null) {
                out.add(flowIpv6);
            } else {
                findings.error(elementPath(name, i), "expected a string, got " + describe(e));
            }
        }
        return out;
    }

    /**
     * An IPv6 literal ending in {@code ::} written unquoted in a flow list ({@code [2001:db8::]}) reads, in YAML 1.1,
     * as a one-key map with a null value; Kubernetes reads it as the string. Only that exact shape, and only when
     * it gives back an IP address, is read as the string.
     */
    private static String flowIpv6(JsonNode e) {
        if (!e.isObject() || e.size() != 1) {
            return null;
        }
        Map.Entry<String, JsonNode> only = e.properties().iterator().next();
        String text = only.getKey() + ":";
        return only.getValue().isNull() && text.contains("::") && Cidr.literalBytes(text) != null ? text : null;
    }

    /** A map of strings to strings (labels, selectors); empty when absent. */
    Map<String, String> stringMap(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        entries(name).forEach((k, e) -> {
            if (e.isTextual()) {
                out.put(k, e.textValue());
            } else {
                findings.error(join(fieldPath(name), k), "expected a string, got " + describe(e) + " (quote it)");
            }
        });
        return out;
    }

    /** The raw entries of a map-valued field (keys are data, not field names); empty when absent. */
    Map<String, JsonNode> entries(String name) {
        JsonNode v = value(name);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            error(name, "expected a map, got " + describe(v));
            return out;
        }
        v.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Whether the object has no fields at all. */
    boolean isEmptyObject() {
        return json.size() == 0;
    }

    /** Whether a list-valued field is absent or an empty list (a value of another type is not "empty"). */
    boolean isEmptyList(String name) {
        JsonNode v = value(name);
        return v == null || (v.isArray() && v.size() == 0);
    }

    /** The raw value of a field whose content another reader checks, or null when absent. */
    JsonNode raw(String name) {
        return value(name);
    }

    /** The object in field {@code name}, or null when absent or not an object. */
    Node child(String name, String childType) {
        JsonNode v = value(name);
        return v == null ? null : of(v, fieldPath(name), childType, findings);
    }

    /** The objects of a list-valued field; empty when absent. Non-objects are reported and skipped. */
    List<Node> children(String name, String childType) {
        JsonNode v = value(name);
        List<Node> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            error(name, "expected a list of " + childType + ", got " + describe(v));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (e.isNull()) {
                findings.error(elementPath(name, i), "must not be null");
                continue;
            }
            Node n = of(e, elementPath(name, i), childType, findings);
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    /** Called once the resource is mapped: every field nobody asked for is an error. */
    void reportUnknownFields() {
        json.fieldNames().forEachRemaining(k -> {
            if (!consumed.contains(k)) {
                findings.error(join(path, k), "unknown field (" + type + " has no field \"" + k + "\"" + suggestion(k) + ")");
            }
        });
    }

    private String suggestion(String unknown) {
        String u = squash(unknown);
        return asked.stream()
                .filter(a -> squash(a).equals(u))
                .findFirst()
                .map(a -> "; did you mean \"" + a + "\"?")
                .orElse("");
    }

    /** The value of a field, or null when absent or JSON null; marks it known either way. */
    private JsonNode value(String name) {
        String key = key(name, true);
        if (key == null) {
            return null;
        }
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** The key under which {@code name} appears (camel or snake), or null. */
    private String key(String name, boolean consume) {
        String snake = snakeCase(name);
        boolean hasCamel = json.has(name);
        boolean hasSnake = !snake.equals(name) && json.has(snake);
        if (consume && asked.add(name)) {
            if (hasCamel && hasSnake) {
                findings.error(join(path, name),
                        "both \"" + name + "\" and \"" + snake + "\" are set; they are one field, give it once");
            }
            if (hasCamel) {
                consumed.add(name);
            }
            if (hasSnake) {
                consumed.add(snake);
            }
        }
        return hasCamel ? name : hasSnake ? snake : null;
    }

    static String snakeCase(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String squash(String s) {
        return s.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    static String join(String base, String name) {
        return base.isEmpty() ? name : base + "." + name;
    }

    static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "string \"" + v.textValue() + "\"";
        }
        if (v.isNumber()) {
            return "number " + v.asText();
        }
        if (v.isBoolean()) {
            return "boolean " + v.asText();
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
