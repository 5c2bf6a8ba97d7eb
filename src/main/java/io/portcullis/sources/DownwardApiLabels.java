package io.portcullis.sources;

import io.portcullis.policy.GatewayLabels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a pod's labels from the file the Kubernetes downward API writes for
 * {@code fieldRef: {fieldPath: metadata.labels}}: one {@code key="value"} line per label, the value
 * quoted as Go's {@code %q} does. Label values cannot hold characters that need escapes, so an
 * escape other than {@code \"} and {@code \\} is refused rather than guessed.
 */
public final class DownwardApiLabels {
    private DownwardApiLabels() {
    }

    /**
     * Reads the pod's labels from a Downward API file of {@code key="value"} lines.
     *
     * @throws IllegalArgumentException naming the file and the line that is not {@code key="value"}
     */
    public static GatewayLabels read(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static GatewayLabels parse(String fileName, List<String> lines) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = fileName + ":" + (i + 1) + ": ";
            int eq = line.indexOf('=');
            if (eq <= 0 || line.length() < eq + 3 || line.charAt(eq + 1) != '"' || !line.endsWith("\"")) {
                throw new IllegalArgumentException(where + "'" + line + "' is not a label (expected: key=\"value\")");
            }
            labels.put(line.substring(0, eq), unquote(where, line.substring(eq + 2, line.length() - 1)));
        }
        try {
            return GatewayLabels.of(labels);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(fileName + ": " + e.getMessage(), e);
        }
    }

    private static String unquote(String where, String quoted) {
        StringBuilder sb = new StringBuilder(quoted.length());
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\') {
                char next = i + 1 < quoted.length() ? quoted.charAt(i + 1) : ' ';
                if (next != '"' && next != '\\') {
                    throw new IllegalArgumentException(where + "escape '\\" + next + "' cannot occur in a label value");
                }
                sb.append(next);
                i++;
            } else if (c == '"') {
                throw new IllegalArgumentException(where + "an unescaped '\"' inside the value");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
