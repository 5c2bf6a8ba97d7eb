package io.portcullis.model;

import java.util.List;

/**
 * {@code security.istio.io AuthorizationPolicy}, the connection-level subset Portcullis enforces
 * at its gateway listeners: ALLOW and DENY rules on who calls ({@code from.source}: mTLS
 * principals, their namespaces, source IP blocks), where to ({@code to.operation}: hosts, ports)
 * and {@code when} conditions on {@code connection.sni}, {@code destination.ip},
 * {@code destination.port} (and {@code source.*}).
 *
 * @param rules empty: the policy matches nothing (an ALLOW policy without rules allows nothing)
 */
public record AuthorizationPolicy(ResourceId id, Action action, List<Rule> rules) implements Resource {
    public AuthorizationPolicy {
        rules = List.copyOf(rules);
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

    /** {@code Operation}: every field given must match. */
    public record Operation(List<String> hosts, List<String> notHosts, List<Integer> ports, List<Integer> notPorts) {
        public Operation {
            hosts = List.copyOf(hosts);
            notHosts = List.copyOf(notHosts);
            ports = List.copyOf(ports);
            notPorts = List.copyOf(notPorts);
        }
    }

    /** {@code Condition}: the key's value must be one of {@code values} and none of {@code notValues}. */
    public record Condition(ConditionKey key, List<String> values, List<String> notValues) {
        public Condition {
            values = List.copyOf(values);
            notValues = List.copyOf(notValues);
        }
    }

    /** The {@code when} keys a connection has (Istio's names). */
    public enum ConditionKey {
        SOURCE_IP("source.ip"),
        SOURCE_NAMESPACE("source.namespace"),
        SOURCE_PRINCIPAL("source.principal"),
        DESTINATION_IP("destination.ip"),
        DESTINATION_PORT("destination.port"),
        CONNECTION_SNI("connection.sni");

        private final String key;

        ConditionKey(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        static ConditionKey of(String key) {
            for (ConditionKey k : values()) {
                if (k.key.equals(key)) {
                    return k;
                }
            }
            return null;
        }
    }
}
