package io.portcullis.learn;

import io.portcullis.model.Protocol;
import java.util.List;

/**
 * What {@code suggest} proposes: ServiceEntries for what was undeclared, AuthorizationPolicies
 * for what each caller with an identity used, each with the evidence it rests on.
 */
public record Suggestions(List<Entry> entries, List<Policy> policies, long generatedAt, int candidates) {
    public Suggestions {
        entries = List.copyOf(entries);
        policies = List.copyOf(policies);
    }

    /** A ServiceEntry port. */
    public record Port(int number, String name, Protocol protocol) {}

    /**
     * A suggested ServiceEntry.
     *
     * @param covers   names a wildcard stands for (1 for an exact host or an address)
     * @param evidence lines for people: counts, callers, first and last seen
     */
    public record Entry(String name, List<String> hosts, List<String> addresses, List<Port> ports, String resolution,
                        int covers, List<String> coveredNames, long count, long firstSeen, long lastSeen,
                        List<String> callers, List<String> reasons, List<String> evidence) {
        public Entry {
            hosts = List.copyOf(hosts);
            addresses = List.copyOf(addresses);
            ports = List.copyOf(ports);
            coveredNames = List.copyOf(coveredNames);
            callers = List.copyOf(callers);
            reasons = List.copyOf(reasons);
            evidence = List.copyOf(evidence);
        }
    }

    /** A suggested ALLOW AuthorizationPolicy for one principal: exactly the hosts and ports it used. */
    public record Policy(String name, String namespace, String principal, List<String> hosts, List<Integer> ports,
                         List<String> evidence) {
        public Policy {
            hosts = List.copyOf(hosts);
            ports = List.copyOf(ports);
            evidence = List.copyOf(evidence);
        }
    }
}
