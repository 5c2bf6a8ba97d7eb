package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes label syntax, as Istio checks it in selectors: {@code [dns.prefix/]name} keys, short plain values. */
final class LabelSyntax {
    private static final String LABEL = "[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?";
    private static final String QUALIFIED = "(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private static final Pattern KEY = Pattern.compile("(" + LABEL + "(?:\\." + LABEL + ")*/)?(" + QUALIFIED + ")");
    private static final Pattern VALUE = Pattern.compile("(" + QUALIFIED + ")?");
    private static final int MAX_PREFIX = 253;
    private static final int MAX_NAME = 63;

    private LabelSyntax() {
    }

    /** Why {@code key} is not a label key, or null when it is one. */
    static String keyProblem(String key) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            return "\"" + key + "\" is not a label key (expected [prefix/]name: letters, digits, '-', '_', '.')";
        }
        if (m.group(1) != null && m.group(1).length() - 1 > MAX_PREFIX) {
            return "\"" + key + "\": the label key's prefix is longer than " + MAX_PREFIX + " characters";
        }
        if (m.group(2).length() > MAX_NAME) {
            return "\"" + key + "\": the label key's name is longer than " + MAX_NAME + " characters";
        }
        return null;
    }

    /** Why {@code value} is not a label value, or null when it is one (empty is allowed). */
    static String valueProblem(String value) {
        return VALUE.matcher(value).matches() ? null
                : "\"" + value + "\" is not a label value (letters, digits, '-', '_', '.'; starting and ending with a"
                        + " letter or digit)";
    }

    /** Checks every key and value of a label map found at {@code at}; does nothing when it is absent. */
    static void check(JsonNode labels, String at, Findings findings) {
        if (labels == null || !labels.isObject()) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = labels.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String keyProblem = keyProblem(e.getKey());
            if (keyProblem != null) {
                findings.error(at, keyProblem);
            }
            String valueProblem = e.getValue().isTextual() ? valueProblem(e.getValue().textValue()) : null;
            if (valueProblem != null) {
                findings.error(Node.join(at, e.getKey()), valueProblem);
            }
        }
    }
}
