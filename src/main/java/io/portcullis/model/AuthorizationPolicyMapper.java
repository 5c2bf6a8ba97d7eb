package io.portcullis.model;

import io.portcullis.model.AuthorizationPolicy.Action;
import io.portcullis.model.AuthorizationPolicy.Condition;
import io.portcullis.model.AuthorizationPolicy.ConditionKey;
import io.portcullis.model.AuthorizationPolicy.Operation;
import io.portcullis.model.AuthorizationPolicy.Rule;
import io.portcullis.model.AuthorizationPolicy.Source;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Maps and validates the {@code spec} of a {@code security.istio.io AuthorizationPolicy} (pilot's
 * {@code ValidateAuthorizationPolicy} rules). The HTTP fields (methods, paths, request headers) are
 * kept and checked on HTTP requests; the fields Portcullis cannot check at all (JWT, trust domains,
 * remote IPs) follow Istio's rule for TCP traffic, with a warning that names them.
 */
final class AuthorizationPolicyMapper {
    private static final String KEYS = Arrays.stream(ConditionKey.values())
            .map(k -> k == ConditionKey.REQUEST_HEADERS ? k.key() + "[NAME]" : k.key())
            .collect(Collectors.joining(", "));
    /** Istio's path templates ({@code pkg/config/security}): one segment, and any number of segments. */
    private static final String MATCH_ONE = "{*}";
    private static final String MATCH_ANY = "{**}";

    private AuthorizationPolicyMapper() {
    }

    static AuthorizationPolicy map(ResourceId id, Node spec) {
        return map(id, spec, null);
    }

    /**
     * Maps an AuthorizationPolicy's spec onto the domain record, recording problems on the node.
     *
     * @param dryRun the value of the {@code istio.io/dry-run} annotation, or null when absent
     * @return null (with no error) for a policy Portcullis accepts but does not enforce (AUDIT)
     */
    static AuthorizationPolicy map(ResourceId id, Node spec, String dryRun) {
        String actionText = spec.string("action");
        Action action = action(spec, actionText);
        boolean custom = "CUSTOM".equals(actionText);
        selector(spec);
        spec.notActedOn("selector", "every AuthorizationPolicy applies to every gateway listener of Portcullis");
        spec.notActedOn("targetRef", "every AuthorizationPolicy applies to every gateway listener of Portcullis");
        spec.notActedOn("targetRefs", "every AuthorizationPolicy applies to every gateway listener of Portcullis");
        boolean noRules = !spec.has("rules");
        JsonNode provider = spec.raw("provider");
        if (provider != null && !custom) {
            spec.error("provider", "only with action CUSTOM");
        }
        if (custom && noRules) {
            spec.error("rules", "required with action CUSTOM (a CUSTOM policy without rules never applies; write"
                    + " rules: [{}] to apply it to everything)");
        } else if (custom && (provider == null || provider.path("name").asText("").isEmpty())) {
            spec.error("provider", "provider.name is required with action CUSTOM");
        }
        if (action == Action.DENY && !custom && noRules) {
            spec.error("rules", "required with action DENY (a DENY policy without rules never applies; write"
                    + " rules: [{}] to deny everything)");
        }
        dryRun(spec, dryRun, actionText);
        if (custom) {
            customRuleLimits(spec.raw("rules"), spec.fieldPath("rules"), spec.findings());
        }
        List<Rule> rules = new ArrayList<>();
        for (Node r : spec.children("rules", "AuthorizationPolicy.Rule")) {
            Rule rule = rule(r, action, id.namespace());
            if (rule != null) {
                rules.add(rule);
            }
        }
        if ("AUDIT".equals(actionText)) {
            return null;
        }
        return new AuthorizationPolicy(id, action, rules, isTrue(dryRun));
    }

    /** Go's {@code strconv.ParseBool} true values, as Istio's builder reads the annotation. */
    private static boolean isTrue(String dryRun) {
        return dryRun != null && List.of("true", "1", "t", "TRUE", "True", "T").contains(dryRun);
    }

    /** Istio's limits on a CUSTOM policy: the external authorizer is not given source identities. */
    private static void customRuleLimits(JsonNode rules, String at, Findings findings) {
        if (rules == null) {
            return;
        }
        List<String> identityFields = List.of("namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts",
                "trustDomains", "notTrustDomains", "principals", "notPrincipals", "requestPrincipals",
                "notRequestPrincipals");
        List<String> identityKeys = List.of("source.namespace", "source.serviceAccount", "source.trustDomain",
                "source.principal");
        for (int i = 0; i < rules.size(); i++) {
            JsonNode rule = rules.get(i);
            for (int j = 0; j < rule.path("from").size(); j++) {
                JsonNode source = rule.path("from").get(j).path("source");
                for (String f : identityFields) {
                    if (source.has(f)) {
                        findings.error(at + "[" + i + "].from[" + j + "].source." + f, "not supported with action CUSTOM");
                    }
                }
            }
            for (int j = 0; j < rule.path("when").size(); j++) {
                String key = rule.path("when").get(j).path("key").asText("");
                if (identityKeys.contains(key) || key.startsWith("request.auth.")) {
                    findings.error(at + "[" + i + "].when[" + j + "].key", key + " is not supported with action CUSTOM");
                }
            }
        }
    }

    /** Istio's selector rules: label syntax, no empty key, no wildcard; one of selector and targetRef(s). */
    private static void selector(Node spec) {
        JsonNode selector = spec.raw("selector");
        int kinds = (selector != null ? 1 : 0) + (spec.has("targetRef") ? 1 : 0)
                + (spec.isEmptyList("targetRefs") ? 0 : 1);
        if (kinds > 1) {
            spec.errorHere("only one of selector, targetRef and targetRefs can be set");
        }
        if (selector == null) {
            return;
        }
        String at = spec.fieldPath("selector") + ".matchLabels";
        boolean reported = false;
        for (var it = selector.path("matchLabels").properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().isEmpty()) {
                spec.findings().error(at, "a selector label key cannot be empty");
                reported = true;
            } else if (e.getKey().contains("*") || e.getValue().asText("").contains("*")) {
                spec.findings().error(Node.join(at, e.getKey()), "a selector takes no wildcards");
                reported = true;
            }
        }
        if (!reported) {
            LabelSyntax.check(selector.get("matchLabels"), at, spec.findings());
        }
    }

    /** Istio's {@code istio.io/dry-run}: a boolean, only on ALLOW and DENY policies. */
    private static void dryRun(Node spec, String value, String action) {
        if (value == null) {
            return;
        }
        if (action != null && !action.equals("ALLOW") && !action.equals("DENY")) {
            spec.findings().error("metadata.annotations", "the annotation istio.io/dry-run is only for ALLOW and DENY policies");
        } else if (!List.of("true", "false", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False", "T", "F")
                .contains(value)) {
            spec.findings().error("metadata.annotations", "the annotation istio.io/dry-run must be true or false (found \"" + value + "\")");
        }
    }

    private static Action action(Node spec, String text) {
        if (text == null) {
            return Action.ALLOW;
        }
        return switch (text) {
            case "ALLOW" -> Action.ALLOW;
            case "DENY" -> Action.DENY;
            case "AUDIT" -> {
                spec.warning("action", "AUDIT is accepted but not acted on by Portcullis (it writes no audit log);"
                        + " the policy changes nothing");
                yield Action.ALLOW;
            }
            case "CUSTOM" -> {
                // Without an external authorizer, what a CUSTOM policy matches is refused: never more open.
                spec.warning("action", "CUSTOM is not acted on as Istio does (Portcullis calls no external"
                        + " authorizer): what its rules match is denied");
                yield Action.DENY;
            }
            default -> {
                spec.error("action", "\"" + text + "\" is not a valid action (expected one of: ALLOW, DENY, AUDIT,"
                        + " CUSTOM)");
                yield null;
            }
        };
    }

    /**
     * A rule, or null when it can never match. Fields Portcullis cannot check at all (JWT, trust domains,
     * remote IPs) follow Istio's rule for TCP traffic: in an ALLOW policy the rule matches nothing; in a DENY
     * policy those fields are left out, so it denies more, never less. (The HTTP fields are kept: the
     * {@code policy.Authorizer} applies the same rule to them on connections that are not HTTP requests.)
     */
    private static Rule rule(Node r, Action action, String namespace) {
        Unchecked unchecked = new Unchecked();
        if (r.has("from") && r.isEmptyList("from")) {
            r.error("from", "must not be empty (leave it out to match every source)");
        }
        if (r.has("to") && r.isEmptyList("to")) {
            r.error("to", "must not be empty (leave it out to match every operation)");
        }
        List<Source> from = new ArrayList<>();
        for (Node f : r.children("from", "AuthorizationPolicy.Rule.From")) {
            Node s = f.child("source", "AuthorizationPolicy.Source");
            if (s == null) {
                if (!f.has("source")) {
                    f.error("source", "required");
                }
                continue;
            }
            from.add(source(s, namespace, unchecked));
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
            Condition condition = condition(c, unchecked);
            if (condition != null) {
                when.add(condition);
            }
        }
        if (unchecked.any && action == Action.ALLOW) {
            r.findings().warning(r.path(), "this ALLOW rule uses " + String.join(", ", unchecked.fields) + ", which Portcullis cannot"
                    + " check (no JWT, trust domain or remote IP is known); as Istio does for TCP traffic, the rule matches nothing");
            return null;
        }
        if (unchecked.any) {
            r.findings().warning(r.path(), "this DENY rule uses " + String.join(", ", unchecked.fields) + ", which Portcullis cannot"
                    + " check (no JWT, trust domain or remote IP is known); as Istio does for TCP traffic, they are left out and the rule denies"
                    + " more");
        }
        return new Rule(from, to, when);
    }

    /** The fields of one rule that a connection cannot answer. */
    private static final class Unchecked {
        private final List<String> fields = new ArrayList<>();
        private boolean any;

        void add(Node n, String field) {
            any = true;
            fields.add(n.fieldPath(field));
        }
    }

    private static Source source(Node s, String namespace, Unchecked unchecked) {
        if (s.isEmptyObject()) {
            s.errorHere("a source must have at least one field (Istio refuses an empty source)");
        }
        for (String f : List.of("requestPrincipals", "notRequestPrincipals", "remoteIpBlocks", "notRemoteIpBlocks",
                "trustDomains", "notTrustDomains")) {
            if (s.has(f)) {
                List<String> values = f.endsWith("IpBlocks") ? List.of() : patterns(s, f);
                if (f.endsWith("IpBlocks")) {
                    cidrs(s, f);
                }
                if (f.endsWith("TrustDomains")) {
                    values.stream().filter(v -> v.contains("/")).forEach(v ->
                            s.error(f, "\"" + v + "\": a trust domain has no '/'"));
                }
                unchecked.add(s, f);
            }
        }
        List<String> principals = new ArrayList<>(patterns(s, "principals"));
        List<String> notPrincipals = new ArrayList<>(patterns(s, "notPrincipals"));
        List<String> namespaces = patterns(s, "namespaces");
        List<String> notNamespaces = patterns(s, "notNamespaces");
        boolean identities = !principals.isEmpty() || !notPrincipals.isEmpty() || !namespaces.isEmpty()
                || !notNamespaces.isEmpty();
        for (String f : List.of("serviceAccounts", "notServiceAccounts")) {
            List<String> accounts = serviceAccounts(s, f, namespace);
            if (!accounts.isEmpty() && identities) {
                s.error(f, "cannot be combined with principals or namespaces (Istio refuses it too)");
            }
            (f.equals("serviceAccounts") ? principals : notPrincipals).addAll(accounts);
        }
        return new Source(principals, notPrincipals, namespaces, notNamespaces, cidrs(s, "ipBlocks"),
                cidrs(s, "notIpBlocks"));
    }

    /**
     * Istio's {@code serviceAccounts}: {@code name} (in the policy's namespace) or {@code namespace/name}, read as
     * the principal {@code * /ns/NAMESPACE/sa/NAME} of any trust domain.
     */
    private static List<String> serviceAccounts(Node s, String field, String namespace) {
        List<String> values = s.strings(field);
        List<String> principals = new ArrayList<>();
        if (values.size() > 16) {
            s.error(field, "at most 16 service accounts");
        }
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String where = s.elementPath(field, i);
            int slash = v.indexOf('/');
            if (v.isEmpty() || v.contains("*") || v.length() > 320 || slash != v.lastIndexOf('/')
                    || slash == 0 || slash == v.length() - 1) {
                s.findings().error(where, "\"" + v + "\" is not a service account (expected name or namespace/name,"
                        + " no wildcards)");
                continue;
            }
            String ns = slash < 0 ? namespace : v.substring(0, slash);
            String sa = slash < 0 ? v : v.substring(slash + 1);
            principals.add("*/ns/" + ns + "/sa/" + sa);
        }
        return principals;
    }

    private static Operation operation(Node o) {
        if (o.isEmptyObject()) {
            o.errorHere("an operation must have at least one field (Istio refuses an empty operation)");
        }
        for (String f : List.of("methods", "notMethods", "paths", "notPaths")) {
            List<String> values = o.strings(f);
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i);
                String problem = v.isEmpty() ? "values must not be empty"
                        : f.endsWith("aths") ? pathTemplateProblem(v) : null;
                if (problem != null) {
                    o.findings().error(o.elementPath(f, i), problem);
                }
            }
        }
        List<String> hosts = patterns(o, "hosts").stream().map(HostSyntax::lower).toList();
        List<String> notHosts = patterns(o, "notHosts").stream().map(HostSyntax::lower).toList();
        return new Operation(hosts, notHosts, ports(o, "ports"), ports(o, "notPorts"), o.strings("methods"),
                o.strings("notMethods"), o.strings("paths"), o.strings("notPaths"));
    }

    /** Istio's {@code CheckValidPathTemplate}: only whole {@code {*}} and {@code {**}} segments, {@code {**}} last. */
    private static String pathTemplateProblem(String path) {
        boolean template = path.contains(MATCH_ONE) || path.contains(MATCH_ANY);
        boolean any = false;
        for (String glob : trimSlashes(path).split("/", -1)) {
            if ((glob.equals(MATCH_ONE) || glob.equals(MATCH_ANY)) && any) {
                return "\"" + path + "\": {**} must be the last operator of a path template";
            }
            if (glob.equals(MATCH_ONE) || glob.equals(MATCH_ANY)) {
                any = glob.equals(MATCH_ANY);
                continue;
            }
            if (glob.contains("{") || glob.contains("}")) {
                return "\"" + path + "\": '{' and '}' only in the path templates {*} and {**}";
            }
            if (template && (glob.isEmpty() || !glob.chars().allMatch(AuthorizationPolicyMapper::isPathChar))) {
                return "\"" + path + "\": segment \"" + glob + "\" is not a literal of a path template";
            }
        }
        return null;
    }

    private static String trimSlashes(String path) {
        int from = 0;
        int to = path.length();
        while (from < to && path.charAt(from) == '/') {
            from++;
        }
        while (to > from && path.charAt(to - 1) == '/') {
            to--;
        }
        return path.substring(from, to);
    }

    /** RFC 3986 pchar, as Istio's {@code validLiteral}. */
    private static boolean isPathChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~%!$&'()+,;=:@".indexOf(c) >= 0;
    }

    private static Condition condition(Node c, Unchecked unchecked) {
        String key = c.requiredString("key");
        List<String> values = c.strings("values");
        List<String> notValues = c.strings("notValues");
        if (values.isEmpty() && notValues.isEmpty()) {
            c.errorHere("at least one of values or notValues is required");
        }
        if (key == null) {
            return null;
        }
        if (bracketed(key, "request.headers")) {
            for (String v : values) {
                if (v.isEmpty()) {
                    c.error("values", "values must not be empty");
                }
            }
            String header = key.substring("request.headers[".length(), key.length() - 1).toLowerCase(Locale.ROOT);
            return new Condition(ConditionKey.REQUEST_HEADERS, Optional.of(header), values, notValues);
        }
        ConditionKey k = ConditionKey.of(key);
        if (k == null && isIstioRequestKey(key)) {
            for (String v : values) {
                if (v.isEmpty()) {
                    c.error("values", "values must not be empty");
                }
            }
            unchecked.add(c, "key");
            return null;
        }
        if (k == null) {
            c.error("key", "\"" + key + "\" is not an Istio condition key a connection has (supported: " + KEYS
                    + "; JWT keys are accepted but not checked)");
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

    /** Istio's keys that need an HTTP request, a JWT, or data Portcullis does not have. */
    private static boolean isIstioRequestKey(String key) {
        return bracketed(key, "request.auth.claims")
                || bracketed(key, "experimental.envoy.filters.") || key.equals("remote.ip")
                || key.equals("request.auth.principal") || key.equals("request.auth.audiences")
                || key.equals("request.auth.presenter") || key.equals("source.serviceAccount")
                || key.equals("source.trustDomain");
    }

    private static boolean bracketed(String key, String prefix) {
        if (prefix.endsWith(".")) {
            return key.startsWith(prefix) && key.length() > prefix.length();
        }
        return key.startsWith(prefix + "[") && key.endsWith("]") && key.length() > prefix.length() + 2;
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
                || (star != 0 && star != value.length() - 1))) {
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
