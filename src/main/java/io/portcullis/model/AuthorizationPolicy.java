package io.portcullis.model;

import java.util.List;
import java.util.Optional;

/**
 * {@code security.istio.io AuthorizationPolicy}, the subset Portcullis enforces at its gateway
 * listeners: ALLOW and DENY rules on who calls ({@code from.source}: mTLS principals, their
 * namespaces, source IP blocks), where to ({@code to.operation}: hosts, ports, and for HTTP
 * requests methods and paths) and {@code when} conditions on {@code connection.sni},
 * {@code destination.ip}, {@code destination.port}, {@code source.*} and, for HTTP requests,
 * {@code request.headers[NAME]}.
 *
 * @param rules  empty: the policy matches nothing (an ALLOW policy without rules allows nothing)
 * @param dryRun Istio's {@code istio.io/dry-run: "true"} annotation: evaluated, logged and counted,
 *               never enforced (Envoy's shadow rules)
 */
public record AuthorizationPolicy(ResourceId id, Action action, List<Rule> rules, boolean dryRun) implements Resource {
    public AuthorizationPolicy {
        rules = List.copyOf(rules);
    }

    /** An enforced policy. */
    public AuthorizationPolicy(ResourceId id, Action action, List<Rule> rules) {
        this(id, action, rules, false);
    }

    /** {@code AuthorizationPolicy.Action}: the two Portcullis enforces. */
    public enum Action { ALLOW, DENY }

    /** {@code Rule}: matches when any source, any operation and every condition match (absent lists match all). */
    public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
        public Rule {
            from = List.copyOf(from);
            to = List.copyOf(to);
            when = List.copyOf(when);
        }
    }

    /** {@code Source}: every field given must match; principals in Istio's form {@code cluster.local/ns/a/sa/b}. */
    public record Source(List<String> principals, List<String> notPrincipals, List<String> namespaces,
                         List<String> notNamespaces, List<Cidr> ipBlocks, List<Cidr> notIpBlocks) {
        public Source {
            principals = List.copyOf(principals);
            notPrincipals = List.copyOf(notPrincipals);
            namespaces = List.copyOf(namespaces);
            notNamespaces = List.copyOf(notNamespaces);
            ipBlocks = List.copyOf(ipBlocks);
            notIpBlocks = List.copyOf(notIpBlocks);
        }
    }

    /**
     * {@code Operation}: every field given must match. {@code methods}, {@code paths} (and their
     * {@code not*}) are Istio's HTTP-only fields; so are {@code hosts} where no host name is known
     * (a raw TCP connection).
     */
    public record Operation(List<String> hosts, List<String> notHosts, List<Integer> ports, List<Integer> notPorts,
                            List<String> methods, List<String> notMethods, List<String> paths,
                            List<String> notPaths) {
        public Operation {
            hosts = List.copyOf(hosts);
            notHosts = List.copyOf(notHosts);
            ports = List.copyOf(ports);
            notPorts = List.copyOf(notPorts);
            methods = List.copyOf(methods);
            notMethods = List.copyOf(notMethods);
            paths = List.copyOf(paths);
            notPaths = List.copyOf(notPaths);
        }

        /** An operation on hosts and ports only. */
        public Operation(List<String> hosts, List<String> notHosts, List<Integer> ports, List<Integer> notPorts) {
            this(hosts, notHosts, ports, notPorts, List.of(), List.of(), List.of(), List.of());
        }

        /** Whether a field only an HTTP request answers is set (hosts aside: see the record's comment). */
        public boolean usesHttpFields() {
            return !methods.isEmpty() || !notMethods.isEmpty() || !paths.isEmpty() || !notPaths.isEmpty();
        }
    }

    /**
     * {@code Condition}: the key's value must be one of {@code values} and none of {@code notValues}.
     *
     * @param header the header name of {@code request.headers[NAME]}, lower case; empty for other keys
     */
    public record Condition(ConditionKey key, Optional<String> header, List<String> values, List<String> notValues) {
        public Condition {
            values = List.copyOf(values);
            notValues = List.copyOf(notValues);
        }

        /** A condition on a connection attribute (not a request header). */
        public Condition(ConditionKey key, List<String> values, List<String> notValues) {
            this(key, Optional.empty(), values, notValues);
        }
    }

    /** The {@code when} keys Portcullis evaluates (Istio's names); {@code request.headers} only on HTTP requests. */
    public enum ConditionKey {
        SOURCE_IP("source.ip"),
        SOURCE_NAMESPACE("source.namespace"),
        SOURCE_PRINCIPAL("source.principal"),
        DESTINATION_IP("destination.ip"),
        DESTINATION_PORT("destination.port"),
        CONNECTION_SNI("connection.sni"),
        REQUEST_HEADERS("request.headers");

        private final String key;

        ConditionKey(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        static ConditionKey of(String key) {
            for (ConditionKey k : values()) {
                if (k != REQUEST_HEADERS && k.key.equals(key)) {
                    return k;
                }
            }
            return null;
        }
    }
}
