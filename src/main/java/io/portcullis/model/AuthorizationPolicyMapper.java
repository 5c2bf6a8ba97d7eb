package io.portcullis.model;

import io.portcullis.model.AuthorizationPolicy.Action;
import io.portcullis.model.AuthorizationPolicy.Condition;
import io.portcullis.model.AuthorizationPolicy.ConditionKey;
import io.portcullis.model.AuthorizationPolicy.Operation;
import io.portcullis.model.AuthorizationPolicy.Rule;
import io.portcullis.model.AuthorizationPolicy.Source;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Maps and validates the {@code spec} of a {@code security.istio.io AuthorizationPolicy} (pilot's
 * {@code ValidateAuthorizationPolicy} rules), keeping to what a connection carries: the fields
 * that need an HTTP request or a JWT are refused by name rather than silently never matching.
 */
final class AuthorizationPolicyMapper {
    private static final String HTTP_ONLY = "needs an HTTP request; Portcullis authorizes connections (use hosts,"
            + " ports or when on connection.sni)";
    private static final String KEYS = Arrays.stream(ConditionKey.values()).map(ConditionKey::key)
            .collect(Collectors.joining(", "));

    private AuthorizationPolicyMapper() {
    }

    static AuthorizationPolicy map(ResourceId id, Node spec) {
        Action action = action(spec);
        spec.notActedOn("selector", "every AuthorizationPolicy applies to every gateway listener of Portcullis");
        spec.notActedOn("targetRef", "every AuthorizationPolicy applies to every gateway listener of Portcullis");
        spec.notActedOn("targetRefs", "every AuthorizationPolicy applies to every gateway listener of Portcullis");
        if (spec.has("provider")) {
            spec.error("provider", "only with action CUSTOM, which Portcullis does not support");
        }
        List<Rule> rules = new ArrayList<>();
        for (Node r : spec.children("rules", "AuthorizationPolicy.Rule")) {
            rules.add(rule(r));
        }
        return new AuthorizationPolicy(id, action, rules);
    }

    private static Action action(Node spec) {
        String text = spec.string("action");
        if (text == null) {
            return Action.ALLOW;
        }
        switch (text) {
            case "ALLOW":
                return Action.ALLOW;
            case "DENY":
                return Action.DENY;
            case "AUDIT":
            case "CUSTOM":
                spec.error("action", text + " is not supported by Portcullis (ALLOW and DENY are enforced)");
                return null;
            default:
                spec.error("action", "\"" + text + "\" is not a valid action (expected one of: ALLOW, DENY, AUDIT,"
                        + " CUSTOM)");
                return null;
        }
    }

    private static Rule rule(Node r) {
        List<Source> from = new ArrayList<>();
        for (Node f : r.children("from", "AuthorizationPolicy.Rule.From")) {
            Node s = f.child("source", "AuthorizationPolicy.Source");
            if (s == null) {
                if (!f.has("source")) {
                    f.error("source", "required");
                }
                continue;
            }
            from.add(source(s));
        }
        List<Operation> to = new ArrayList<>();
        for (Node t : r.children("to", "AuthorizationPolicy.Rule.To")) {
            Node o = t.child("operation", "AuthorizationPolicy.Operation");
            if (o == null) {
                if (!t.has("operation")) {
                    t.error("operation", "required");
                }
                continue;
            }
            to.add(operation(o));
        }
        List<Condition> when = new ArrayList<>();
        for (Node c : r.children("when", "AuthorizationPolicy.Condition")) {
            Condition condition = condition(c);
            if (condition != null) {
                when.add(condition);
            }
        }
        return new Rule(from, to, when);
    }

    private static Source source(Node s) {
        if (s.isEmptyObject()) {
            s.errorHere("a source must have at least one field (Istio refuses an empty source)");
        }
        for (String f : List.of("requestPrincipals", "notRequestPrincipals")) {
            if (s.has(f)) {
                s.error(f, "JWT request principals need an HTTP request; Portcullis authorizes connections by their"
                        + " mTLS principal (use principals)");
            }
        }
        for (String f : List.of("remoteIpBlocks", "notRemoteIpBlocks")) {
            if (s.has(f)) {
                s.error(f, "remote IP blocks come from X-Forwarded-For; Portcullis sees the connection's own source"
                        + " (use ipBlocks)");
            }
        }
        return new Source(patterns(s, "principals"), patterns(s, "notPrincipals"), patterns(s, "namespaces"),
                patterns(s, "notNamespaces"), cidrs(s, "ipBlocks"), cidrs(s, "notIpBlocks"));
    }

    private static Operation operation(Node o) {
        if (o.isEmptyObject()) {
            o.errorHere("an operation must have at least one field (Istio refuses an empty operation)");
        }
        for (String f : List.of("methods", "notMethods", "paths", "notPaths")) {
            if (o.has(f)) {
                o.error(f, f + " " + HTTP_ONLY);
            }
        }
        List<String> hosts = patterns(o, "hosts").stream().map(HostSyntax::lower).toList();
        List<String> notHosts = patterns(o, "notHosts").stream().map(HostSyntax::lower).toList();
        return new Operation(hosts, notHosts, ports(o, "ports"), ports(o, "notPorts"));
    }

    private static Condition condition(Node c) {
        String key = c.requiredString("key");
        List<String> values = c.strings("values");
        List<String> notValues = c.strings("notValues");
        if (values.isEmpty() && notValues.isEmpty()) {
            c.errorHere("at least one of values or notValues is required");
        }
        if (key == null) {
            return null;
        }
        ConditionKey k = ConditionKey.of(key);
        if (k == null) {
            c.error("key", "\"" + key + "\" is not a condition a connection has (supported: " + KEYS + ")");
            return null;
        }
        for (String field : List.of("values", "notValues")) {
            List<String> list = field.equals("values") ? values : notValues;
            for (int i = 0; i < list.size(); i++) {
                String problem = valueProblem(k, list.get(i));
                if (problem != null) {
                    c.findings().error(c.elementPath(field, i), problem);
                }
            }
        }
        return new Condition(k, values, notValues);
    }

    private static String valueProblem(ConditionKey key, String value) {
        if (value.isEmpty()) {
            return "must not be empty";
        }
        switch (key) {
            case SOURCE_IP, DESTINATION_IP -> {
                try {
                    Cidr.parse(value);
                    return null;
                } catch (IllegalArgumentException e) {
                    return e.getMessage() + " (" + key.key() + " takes IPs and CIDRs)";
                }
            }
            case DESTINATION_PORT -> {
                return isPortNumber(value) ? null : "\"" + value + "\" is not a port number (expected: 1-65535)";
            }
            default -> {
                return patternProblem(value);
            }
        }
    }

    /** Istio's string match: exact, {@code prefix*}, {@code *suffix} or {@code *}. */
    private static List<String> patterns(Node n, String field) {
        List<String> values = n.strings(field);
        for (int i = 0; i < values.size(); i++) {
            String problem = patternProblem(values.get(i));
            if (problem != null) {
                n.findings().error(n.elementPath(field, i), problem);
            }
        }
        return values;
    }

    private static String patternProblem(String value) {
        if (value.isEmpty()) {
            return "must not be empty";
        }
        int star = value.indexOf('*');
        if (star >= 0 && value.length() > 1 && (star != value.lastIndexOf('*')
                || star != 0 && star != value.length() - 1)) {
            return "\"" + value + "\": a '*' may only be the first or the last character (Istio's prefix/suffix match)";
        }
        return null;
    }

    private static List<Cidr> cidrs(Node n, String field) {
        List<Cidr> out = new ArrayList<>();
        List<String> raw = n.strings(field);
        for (int i = 0; i < raw.size(); i++) {
            try {
                out.add(Cidr.parse(raw.get(i)));
            } catch (IllegalArgumentException e) {
                n.findings().error(n.elementPath(field, i), e.getMessage());
            }
        }
        return out;
    }

    /** Istio writes operation ports as strings ("443"); YAML integers are accepted too. */
    private static List<Integer> ports(Node n, String field) {
        List<Integer> out = new ArrayList<>();
        var raw = n.raw(field);
        if (raw == null) {
            return out;
        }
        if (!raw.isArray()) {
            n.error(field, "expected a list of port numbers, got " + Node.describe(raw));
            return out;
        }
        for (int i = 0; i < raw.size(); i++) {
            var e = raw.get(i);
            String text = e.isTextual() ? e.textValue() : e.isIntegralNumber() ? e.asText() : null;
            if (text == null || !isPortNumber(text)) {
                n.findings().error(n.elementPath(field, i), (text == null ? Node.describe(e) : "\"" + text + "\"")
                        + " is not a port number (expected: 1-65535)");
            } else {
                out.add(Integer.parseInt(text));
            }
        }
        return out;
    }

    private static boolean isPortNumber(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return false;
        }
        return Node.isPort(Long.parseLong(text));
    }
}
