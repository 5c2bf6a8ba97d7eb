package io.portcullis.policy;

import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import io.portcullis.model.DestinationRule.Tunnel;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code tunnel} and {@code connectionPool} settings of an allowed connection, looked up the way
 * Istio applies a DestinationRule: to the destination after routing, that is the ServiceEntry host
 * the connection was allowed (or routed) to, on the entry's port; port-level settings before the
 * rule's own. Limits count per service host and port (Istio's cluster), even under a wildcard rule.
 * Pure; immutable once built.
 */
final class TrafficPolicyIndex {
    private final DestinationRuleIndex rules;
    /** Whether any rule has something for this index: most configurations have none, and connects skip the lookup. */
    private final boolean relevant;

    TrafficPolicyIndex(DestinationRuleIndex rules, List<DestinationRule> all) {
        this.rules = rules;
        this.relevant = all.stream().map(DestinationRule::trafficPolicy).anyMatch(p -> p != null
                && (p.tunnel().isPresent() || p.connectionPool().isPresent() || p.outlierDetection().isPresent()
                        || p.loadBalancer() != null || p.portLevelSettings().stream().anyMatch(pp ->
                                pp.connectionPool().isPresent() || pp.outlierDetection().isPresent()
                                        || pp.loadBalancer() != null)));
    }

    /**
     * The settings for {@code decision}, or empty when no rule with a tunnel or a connection pool
     * applies. An undeclared destination (ALLOW_ANY) has none: Istio's passthrough takes no rules.
     */
    Optional<UpstreamSettings> lookup(Decision decision) {
        return lookup(decision.binding(), decision.upstream());
    }

    /** Like {@link #lookup(Decision)}, for the entry port that allowed a forward and its target. */
    Optional<UpstreamSettings> lookup(PortBinding binding, UpstreamTarget upstream) {
        if (!relevant || binding == null || upstream == null) {
            return Optional.empty();
        }
        int port = binding.port().number();
        for (String host : hostsOf(binding, upstream)) {
            DestinationRule rule = rules.ruleFor(host);
            if (rule != null) {
                return settings(rule, HostNames.normalize(host), port);
            }
        }
        return Optional.empty();
    }

    /** The names that identify the destination, most specific first: the name connected to, then the entry's hosts. */
    private static List<String> hostsOf(PortBinding binding, UpstreamTarget upstream) {
        List<String> hosts = new ArrayList<>();
        for (Candidate c : upstream.candidates()) {
            if (c.name() != null && binding.entry().hosts().stream()
                    .anyMatch(h -> HostNames.matches(HostNames.normalize(h), HostNames.normalize(c.name())))) {
                hosts.add(c.name());
                break;
            }
        }
        binding.entry().hosts().stream().filter(h -> !h.startsWith("*")).forEach(hosts::add);
        return hosts;
    }

    private static Optional<UpstreamSettings> settings(DestinationRule rule, String host, int port) {
        TrafficPolicy policy = rule.trafficPolicy();
        if (policy == null) {
            return Optional.empty();
        }
        Optional<ConnectionPool> pool = policy.connectionPool();
        Optional<String> balancer = Optional.ofNullable(policy.loadBalancer());
        Optional<OutlierDetection> outliers = policy.outlierDetection();
        for (PortTrafficPolicy p : policy.portLevelSettings()) {
            if (p.port() == port) {
                pool = p.connectionPool().or(() -> policy.connectionPool());
                balancer = Optional.ofNullable(p.loadBalancer()).or(() -> Optional.ofNullable(policy.loadBalancer()));
                outliers = p.outlierDetection().or(() -> policy.outlierDetection());
            }
        }
        Optional<Tunnel> tunnel = policy.tunnel();
        if (pool.isEmpty() && tunnel.isEmpty() && balancer.isEmpty() && outliers.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new UpstreamSettings(io.portcullis.model.AddressText.hostPort(host, port), rule.id(), tunnel,
                pool, balancer, outliers));
    }
}
