package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.AuthorizationPolicy;
import io.portcullis.model.AuthorizationPolicy.Action;
import io.portcullis.model.AuthorizationPolicy.Condition;
import io.portcullis.model.AuthorizationPolicy.ConditionKey;
import io.portcullis.model.AuthorizationPolicy.Operation;
import io.portcullis.model.AuthorizationPolicy.Rule;
import io.portcullis.model.AuthorizationPolicy.Source;
import io.portcullis.model.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Istio's AuthorizationPolicy evaluation for connections and HTTP requests: DENY policies first
 * (any matching rule refuses), then ALLOW policies: when there are none everything passes; once
 * there is one, only what some ALLOW rule matches passes. Within a rule, any source, any operation
 * and every condition must match; within a field, any value; {@code not*} fields must match none.
 * Strings match exactly, as {@code prefix*}, {@code *suffix} or {@code *} (present); hosts ignore
 * case; paths also take Istio's templates {@code {*}} (one segment) and {@code {**}} (the rest).
 *
 * <p>On a connection that is not an HTTP request (TCP, TLS passthrough, the mutual-TLS hop, a
 * CONNECT tunnel's bytes) the HTTP-only fields follow Istio's documented rule. The AuthorizationPolicy
 * reference (istio.io/latest/docs/reference/config/security/authorization-policy/): "When this rule is
 * applied to TCP traffic, the {@code method} field (as will all HTTP based attributes) cannot be
 * processed. For a {@code DENY} rule, missing attributes are treated as matches", and the task
 * "Authorization Policy for TCP traffic" (istio.io/latest/docs/tasks/security/authorization/authz-tcp/):
 * an ALLOW rule using {@code methods} on a TCP port "becomes invalid" and Istio ignores it, so the
 * connection matches no ALLOW rule and is refused; in a DENY rule the HTTP-only fields are ignored. Pilot implements
 * both in {@code pilot/pkg/security/authz/model/model.go} {@code rule.checkError}: for ALLOW the
 * rule is skipped ("a smaller allow policy"), for DENY only the field is ("a wider deny policy").
 * So an ALLOW rule that uses one matches nothing, and a DENY rule is evaluated without them and
 * denies more. HTTP-only here: {@code methods}, {@code paths}, {@code request.headers[…]}, and
 * {@code hosts} when the caller named no host (Portcullis matches {@code hosts} against the SNI or
 * CONNECT authority where there is one).
 *
 * <p>Policies annotated {@code istio.io/dry-run: "true"} are evaluated as Envoy's shadow rules: one
 * engine per action, reported in {@link AuthzResult#dryRun()}, never part of the verdict.
 * Immutable and thread-safe; never blocks.
 */
public final class Authorizer {
    private final List<AuthorizationPolicy> deny;
    private final List<AuthorizationPolicy> allow;
    private final List<AuthorizationPolicy> dryRunDeny;
    private final List<AuthorizationPolicy> dryRunAllow;

    Authorizer(List<AuthorizationPolicy> policies) {
        this.deny = select(policies, Action.DENY, false);
        this.allow = select(policies, Action.ALLOW, false);
        this.dryRunDeny = select(policies, Action.DENY, true);
        this.dryRunAllow = select(policies, Action.ALLOW, true);
    }

    private static List<AuthorizationPolicy> select(List<AuthorizationPolicy> policies, Action action, boolean dryRun) {
        return policies.stream().filter(p -> p.action() == action && p.dryRun() == dryRun).toList();
    }

    /** Whether any policy applies at all, enforced or dry-run (nothing to evaluate otherwise). */
    public boolean isEmpty() {
        return deny.isEmpty() && allow.isEmpty() && dryRunDeny.isEmpty() && dryRunAllow.isEmpty();
    }

    public AuthzResult evaluate(AuthzRequest request) {
        List<AuthzResult.DryRun> shadow = dryRun(request);
        AuthzResult enforced = enforce(deny, allow, request);
        return shadow.isEmpty() ? enforced
                : new AuthzResult(enforced.allowed(), enforced.policy(), enforced.message(), shadow);
    }

    private List<AuthzResult.DryRun> dryRun(AuthzRequest request) {
        if (dryRunDeny.isEmpty() && dryRunAllow.isEmpty()) {
            return List.of();
        }
        List<AuthzResult.DryRun> out = new ArrayList<>(2);
        if (!dryRunDeny.isEmpty()) {
            out.add(shadow(enforce(dryRunDeny, List.of(), request)));
        }
        if (!dryRunAllow.isEmpty()) {
            out.add(shadow(enforce(List.of(), dryRunAllow, request)));
        }
        return out;
    }

    private static AuthzResult.DryRun shadow(AuthzResult r) {
        return new AuthzResult.DryRun(r.policy(), r.allowed(), (r.allowed() ? "would allow: " : "would deny: ")
                + r.message());
    }

    private static AuthzResult enforce(List<AuthorizationPolicy> deny, List<AuthorizationPolicy> allow,
                                       AuthzRequest request) {
        for (AuthorizationPolicy p : deny) {
            int rule = firstMatchingRule(p, request);
            if (rule >= 0) {
                return new AuthzResult(false, p.id(), "denied by " + p.id() + " rules[" + rule + "]");
            }
        }
        if (allow.isEmpty()) {
            return deny.isEmpty() ? AuthzResult.NO_POLICY
                    : new AuthzResult(true, null, "no rule of the DENY policies matches " + describe(request));
        }
        for (AuthorizationPolicy p : allow) {
            int rule = firstMatchingRule(p, request);
            if (rule >= 0) {
                return new AuthzResult(true, p.id(), "allowed by " + p.id() + " rules[" + rule + "]");
            }
        }
        String names = allow.stream().map(p -> p.id().toString()).collect(Collectors.joining(", "));
        return new AuthzResult(false, allow.size() == 1 ? allow.get(0).id() : null,
                "no rule of the ALLOW policies matches " + describe(request) + " (" + names + ")");
    }

    private static int firstMatchingRule(AuthorizationPolicy p, AuthzRequest r) {
        for (int i = 0; i < p.rules().size(); i++) {
            Rule rule = p.rules().get(i);
            // Istio's rule for HTTP-only fields on TCP: an ALLOW rule using one is ignored (it cannot allow).
            if (p.action() == Action.ALLOW && r.http().isEmpty() && usesHttpOnlyFields(rule, r)) {
                continue;
            }
            if (matches(rule, r)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean usesHttpFields(Rule rule) {
        return rule.to().stream().anyMatch(Operation::usesHttpFields)
                || rule.when().stream().anyMatch(c -> c.key() == ConditionKey.REQUEST_HEADERS);
    }

    /** The fields of {@code rule} that {@code r}, not an HTTP request, cannot answer. */
    private static boolean usesHttpOnlyFields(Rule rule, AuthzRequest r) {
        return usesHttpFields(rule) || (r.host() == null
                && rule.to().stream().anyMatch(o -> !o.hosts().isEmpty() || !o.notHosts().isEmpty()));
    }

    private static boolean matches(Rule rule, AuthzRequest r) {
        return (rule.from().isEmpty() || rule.from().stream().anyMatch(s -> matches(s, r)))
                && (rule.to().isEmpty() || rule.to().stream().anyMatch(o -> matches(o, r)))
                && rule.when().stream().allMatch(c -> matches(c, r));
    }

    private static boolean matches(Source s, AuthzRequest r) {
        return field(s.principals(), s.notPrincipals(), p -> stringMatch(p, r.principal()))
                && field(s.namespaces(), s.notNamespaces(), n -> stringMatch(n, r.namespace()))
                && cidrField(s.ipBlocks(), s.notIpBlocks(), r.sourceIp());
    }

    /**
     * Without an HTTP request the HTTP-only fields are left out (only DENY rules get here with them),
     * as Istio's TCP filter chain does.
     */
    private static boolean matches(Operation o, AuthzRequest r) {
        boolean hostsApply = r.host() != null || r.http().isPresent();
        String host = r.host() == null ? null : HostNames.normalize(r.host());
        if (hostsApply && !field(o.hosts(), o.notHosts(), h -> stringMatch(h.toLowerCase(Locale.ROOT), host))) {
            return false;
        }
        if (!field(o.ports(), o.notPorts(), p -> p == r.destinationPort())) {
            return false;
        }
        if (r.http().isEmpty()) {
            return true;
        }
        HttpAttributes http = r.http().get();
        return field(o.methods(), o.notMethods(), m -> stringMatch(m, http.method()))
                && field(o.paths(), o.notPaths(), p -> pathMatch(p, http.path()));
    }

    private static boolean matches(Condition c, AuthzRequest r) {
        if (c.key() == ConditionKey.REQUEST_HEADERS && r.http().isEmpty()) {
            return true;
        }
        Predicate<String> test = switch (c.key()) {
            case SOURCE_IP -> v -> inCidr(v, r.sourceIp());
            case DESTINATION_IP -> v -> inCidr(v, r.destinationIp());
            case DESTINATION_PORT -> v -> Integer.parseInt(v) == r.destinationPort();
            case SOURCE_PRINCIPAL -> v -> stringMatch(v, r.principal());
            case SOURCE_NAMESPACE -> v -> stringMatch(v, r.namespace());
            case CONNECTION_SNI -> v -> stringMatch(v.toLowerCase(Locale.ROOT),
                    r.sni() == null ? null : HostNames.normalize(r.sni()));
            case REQUEST_HEADERS -> {
                String value = header(r.http().get(), c.header().orElse(""));
                yield v -> stringMatch(v, value);
            }
        };
        return field(c.values(), c.notValues(), test);
    }

    /** A header's values as Envoy's header matcher sees them: several joined with {@code ,}; null when absent. */
    private static String header(HttpAttributes http, String name) {
        List<String> values = http.headers().values(name);
        return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(",", values);
    }

    /** Absent lists match; {@code values} needs one match, {@code notValues} none. */
    private static <T> boolean field(List<T> values, List<T> notValues, Predicate<T> test) {
        return (values.isEmpty() || values.stream().anyMatch(test)) && notValues.stream().noneMatch(test);
    }

    private static boolean cidrField(List<Cidr> blocks, List<Cidr> notBlocks, InetAddress ip) {
        return field(blocks, notBlocks, c -> ip != null && c.contains(ip));
    }

    private static boolean inCidr(String value, InetAddress ip) {
        return ip != null && Cidr.parse(value).contains(ip);
    }

    /** Istio's string match; a missing value (no principal, no SNI, no header) matches nothing. */
    static boolean stringMatch(String pattern, String value) {
        if (value == null) {
            return false;
        }
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.endsWith("*")) {
            return value.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        if (pattern.startsWith("*")) {
            return value.endsWith(pattern.substring(1));
        }
        return pattern.equals(value);
    }

    /**
     * Istio's path match: a template with {@code {*}} (exactly one non-empty segment) and {@code {**}}
     * (everything after its slash, zero or more segments; validation keeps it last), as Envoy's
     * {@code uri_template} matcher that Istio generates for them; else {@link #stringMatch}.
     */
    static boolean pathMatch(String pattern, String path) {
        if (path == null) {
            return false;
        }
        if (!pattern.contains("{*}") && !pattern.contains("{**}")) {
            return stringMatch(pattern, path);
        }
        String[] want = pattern.split("/", -1);
        String[] have = path.split("/", -1);
        for (int i = 0; i < want.length; i++) {
            if (i >= have.length) {
                return false;
            }
            if (want[i].equals("{**}")) {
                // Envoy's "**": the rest of the path after the template's slash, possibly empty.
                return true;
            }
            if (want[i].equals("{*}") ? have[i].isEmpty() : !want[i].equals(have[i])) {
                return false;
            }
        }
        return want.length == have.length;
    }

    private static String describe(AuthzRequest r) {
        String request = r.http().map(h -> h.method() + " " + h.path() + " by ").orElse("");
        return request + (r.principal() == null ? "a caller without mTLS identity" : r.principal())
                + " from " + (r.sourceIp() == null ? "?" : AddressText.address(r.sourceIp()))
                + " to " + (r.host() != null ? r.host() + " on " : "") + "port " + r.destinationPort();
    }
}
