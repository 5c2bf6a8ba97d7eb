package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.AuthorizationPolicy;
import io.portcullis.model.AuthorizationPolicy.Action;
import io.portcullis.model.AuthorizationPolicy.Condition;
import io.portcullis.model.AuthorizationPolicy.Operation;
import io.portcullis.model.AuthorizationPolicy.Rule;
import io.portcullis.model.AuthorizationPolicy.Source;
import io.portcullis.model.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Istio's AuthorizationPolicy evaluation for connections: DENY policies first (any matching rule
 * refuses), then ALLOW policies: when there are none everything passes; once there is one, only
 * what some ALLOW rule matches passes. Within a rule, any source, any operation and every
 * condition must match; within a field, any value; {@code not*} fields must match none. Strings
 * match exactly, as {@code prefix*}, {@code *suffix} or {@code *}. Immutable and thread-safe;
 * evaluation allocates nothing beyond the result and never blocks.
 */
public final class Authorizer {
    private final List<AuthorizationPolicy> deny;
    private final List<AuthorizationPolicy> allow;

    Authorizer(List<AuthorizationPolicy> policies) {
        this.deny = policies.stream().filter(p -> p.action() == Action.DENY).toList();
        this.allow = policies.stream().filter(p -> p.action() == Action.ALLOW).toList();
    }

    /** Whether any policy applies at all (nothing to evaluate otherwise). */
    public boolean isEmpty() {
        return deny.isEmpty() && allow.isEmpty();
    }

    public AuthzResult evaluate(AuthzRequest request) {
        for (AuthorizationPolicy p : deny) {
            int rule = firstMatchingRule(p, request);
            if (rule >= 0) {
                return new AuthzResult(false, p.id(), "denied by " + p.id() + " rules[" + rule + "]");
            }
        }
        if (allow.isEmpty()) {
            return AuthzResult.NO_POLICY;
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
            if (matches(p.rules().get(i), r)) {
                return i;
            }
        }
        return -1;
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

    private static boolean matches(Operation o, AuthzRequest r) {
        String host = r.host() == null ? null : HostNames.normalize(r.host());
        return field(o.hosts(), o.notHosts(), h -> stringMatch(h.toLowerCase(Locale.ROOT), host))
                && field(o.ports(), o.notPorts(), p -> p == r.destinationPort());
    }

    private static boolean matches(Condition c, AuthzRequest r) {
        Predicate<String> test = switch (c.key()) {
            case SOURCE_IP -> v -> inCidr(v, r.sourceIp());
            case DESTINATION_IP -> v -> inCidr(v, r.destinationIp());
            case DESTINATION_PORT -> v -> Integer.parseInt(v) == r.destinationPort();
            case SOURCE_PRINCIPAL -> v -> stringMatch(v, r.principal());
            case SOURCE_NAMESPACE -> v -> stringMatch(v, r.namespace());
            case CONNECTION_SNI -> v -> stringMatch(v.toLowerCase(Locale.ROOT),
                    r.sni() == null ? null : HostNames.normalize(r.sni()));
        };
        return field(c.values(), c.notValues(), test);
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

    /** Istio's string match; a missing value (no principal, no SNI) matches nothing. */
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

    private static String describe(AuthzRequest r) {
        return (r.principal() == null ? "a caller without mTLS identity" : r.principal())
                + " from " + (r.sourceIp() == null ? "?" : AddressText.address(r.sourceIp()))
                + " to " + (r.host() != null ? r.host() + " on " : "") + "port " + r.destinationPort();
    }
}
