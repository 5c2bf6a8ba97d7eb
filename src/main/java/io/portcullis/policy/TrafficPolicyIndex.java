package io.portcullis.policy;

import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.Subset;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import io.portcullis.model.DestinationRule.Tunnel;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

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
        this.relevant = all.stream()
                .flatMap(r -> Stream.concat(Stream.of(r.trafficPolicy()), r.subsets().stream().map(Subset::trafficPolicy)))
                .anyMatch(p -> p != null
                && (p.tunnel().isPresent() || p.connectionPool().isPresent() || p.outlierDetection().isPresent()
                        || p.loadBalancer() != null || p.portLevelSettings().stream().anyMatch(pp ->
                                pp.connectionPool().isPresent() || pp.outlierDetection().isPresent()
                                        || pp.loadBalancer() != null)));
    }

    /**
     * The settings for a sidecar's connection that a mesh route sent to {@code routed} (the egress
     * gateway's subset): the rule of that host, the subset's policy before the rule's own, each
     * port's settings before the policy-wide ones, as Istio builds the cluster
     * {@code outbound|443|cnn|istio-egressgateway...}. Limits count per host, subset and port.
     */
    Optional<UpstreamSettings> lookup(RoutedDestination routed) {
        if (!relevant) {
            return Optional.empty();
        }
        DestinationRule rule = rules.ruleFor(routed.host());
        if (rule == null) {
            return Optional.empty();
        }
        TrafficPolicy subset = routed.subset().flatMap(name -> rule.subsets().stream()
                .filter(s -> name.equals(s.name())).findFirst()).map(Subset::trafficPolicy).orElse(null);
        String destination = io.portcullis.model.AddressText.hostPort(HostNames.normalize(routed.host()), routed.port())
                + routed.subset().map(s -> " subset " + s).orElse("");
        return settings(rule, subset, rule.trafficPolicy(), destination, routed.port());
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
        return settings(rule, null, rule.trafficPolicy(), io.portcullis.model.AddressText.hostPort(host, port), port);
    }

    /** {@code first}'s settings (a subset's; null for none) before {@code then}'s (the rule's own), per field. */
    private static Optional<UpstreamSettings> settings(DestinationRule rule, TrafficPolicy first, TrafficPolicy then,
                                                       String destination, int port) {
        Optional<ConnectionPool> pool = field(first, then, port, TrafficPolicy::connectionPool,
                PortTrafficPolicy::connectionPool);
        Optional<String> balancer = field(first, then, port, p -> Optional.ofNullable(p.loadBalancer()),
                p -> Optional.ofNullable(p.loadBalancer()));
        Optional<OutlierDetection> outliers = field(first, then, port, TrafficPolicy::outlierDetection,
                PortTrafficPolicy::outlierDetection);
        Optional<Tunnel> tunnel = Optional.ofNullable(first).flatMap(TrafficPolicy::tunnel)
                .or(() -> Optional.ofNullable(then).flatMap(TrafficPolicy::tunnel));
        if (pool.isEmpty() && tunnel.isEmpty() && balancer.isEmpty() && outliers.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new UpstreamSettings(destination, rule.id(), tunnel, pool, balancer, outliers));
    }

    /** One field: in {@code first}, then {@code then}; in each the port's settings before the policy's. */
    private static <T> Optional<T> field(TrafficPolicy first, TrafficPolicy then, int port,
                                         Function<TrafficPolicy, Optional<T>> policyWide,
                                         Function<PortTrafficPolicy, Optional<T>> portLevel) {
        for (TrafficPolicy policy : new TrafficPolicy[] {first, then}) {
            if (policy == null) {
                continue;
            }
            for (PortTrafficPolicy p : policy.portLevelSettings()) {
                if (p.port() == port) {
                    Optional<T> value = portLevel.apply(p);
                    if (value.isPresent()) {
                        return value;
                    }
                }
            }
            Optional<T> value = policyWide.apply(policy);
            if (value.isPresent()) {
                return value;
            }
        }
        return Optional.empty();
    }
}
