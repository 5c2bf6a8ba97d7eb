package io.portcullis.learn;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@link Suggestions} as ready-to-apply YAML: one document per resource, its evidence as comments
 * above it (so {@code apply -f} and {@code validate -f} read it unchanged). Strings are written
 * double-quoted (JSON escaping is valid YAML), so a {@code *.} host is never read as an alias.
 */
public final class SuggestionYaml {
    private SuggestionYaml() {
    }

    public static String render(Suggestions s) {
        StringBuilder y = new StringBuilder();
        y.append("# Suggested by portcullis from ").append(s.candidates()).append(" learned destination(s), ")
                .append(Instant.ofEpochMilli(s.generatedAt())).append('\n');
        if (s.entries().isEmpty() && s.policies().isEmpty()) {
            y.append("# Nothing to suggest: no undeclared destination or refused caller was seen in this window.\n");
            return y.toString();
        }
        for (Suggestions.Entry e : s.entries()) {
            y.append("---\n");
            if (e.covers() > 1) {
                y.append("# ").append(e.hosts().get(0)).append(" covers ").append(e.covers()).append(" names seen: ")
                        .append(String.join(", ", e.coveredNames())).append('\n');
            }
            e.evidence().forEach(line -> y.append("# ").append(oneLine(line)).append('\n'));
            y.append("apiVersion: networking.istio.io/v1\n");
            y.append("kind: ServiceEntry\n");
            y.append("metadata:\n  name: ").append(q(e.name())).append('\n');
            y.append("spec:\n");
            y.append("  hosts: ").append(list(e.hosts())).append('\n');
            if (!e.addresses().isEmpty()) {
                y.append("  addresses: ").append(list(e.addresses())).append('\n');
            }
            y.append("  location: MESH_EXTERNAL\n");
            y.append("  ports:\n");
            for (Suggestions.Port p : e.ports()) {
                y.append("  - number: ").append(p.number()).append('\n');
                y.append("    name: ").append(q(p.name())).append('\n');
                y.append("    protocol: ").append(p.protocol().name()).append('\n');
            }
            y.append("  resolution: ").append(e.resolution()).append('\n');
        }
        for (Suggestions.Policy p : s.policies()) {
            y.append("---\n");
            p.evidence().forEach(line -> y.append("# ").append(oneLine(line)).append('\n'));
            y.append("# Note: once an ALLOW policy exists, connections no ALLOW rule matches are refused.\n");
            y.append("apiVersion: security.istio.io/v1\n");
            y.append("kind: AuthorizationPolicy\n");
            y.append("metadata:\n  name: ").append(q(p.name())).append("\n  namespace: ").append(q(p.namespace()))
                    .append('\n');
            y.append("spec:\n  action: ALLOW\n  rules:\n");
            y.append("  - from:\n    - source:\n        principals: ").append(list(List.of(p.principal()))).append('\n');
            y.append("    to:\n    - operation:\n        hosts: ").append(list(p.hosts())).append('\n');
            y.append("        ports: ").append(list(p.ports().stream().map(String::valueOf).toList())).append('\n');
        }
        return y.toString();
    }

    private static String list(List<String> items) {
        return items.stream().map(SuggestionYaml::q).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String q(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
