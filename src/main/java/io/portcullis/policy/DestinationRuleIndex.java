package io.portcullis.policy;

import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.Subset;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import java.util.List;

/**
 * Which {@code DestinationRule} TLS settings apply to a routed destination (host, subset, port):
 * the rule whose host is the most specific match (exact before wildcard; the first rule wins on
 * equal hosts, as the older does in Istio); in it the subset's traffic policy before the top-level
 * one, and in each the port's settings before the policy-wide {@code tls}. Immutable once built.
 */
final class DestinationRuleIndex {
    private final HostTrie<DestinationRule> byHost = new HostTrie<>();

    DestinationRuleIndex(List<DestinationRule> rules) {
        for (DestinationRule dr : rules) {
            if (dr.host() != null) {
                byHost.putIfAbsent(HostNames.normalize(dr.host()), dr);
            }
        }
    }

    DestinationRule ruleFor(String host) {
        return byHost.match(HostNames.normalize(host));
    }

    /** Whether {@code subset} of {@code host} is defined (a route to an undefined subset goes nowhere). */
    boolean hasSubset(String host, String subset) {
        DestinationRule dr = ruleFor(host);
        return dr != null && dr.subsets().stream().anyMatch(s -> subset.equals(s.name()));
    }

    /** The client TLS settings for the destination, or null for plain TCP. */
    ClientTls tls(String host, String subset, int port) {
        DestinationRule dr = ruleFor(host);
        if (dr == null) {
            return null;
        }
        if (subset != null) {
            for (Subset s : dr.subsets()) {
                if (subset.equals(s.name())) {
                    ClientTls t = tls(s.trafficPolicy(), port);
                    if (t != null) {
                        return t;
                    }
                }
            }
        }
        return tls(dr.trafficPolicy(), port);
    }

    private static ClientTls tls(TrafficPolicy policy, int port) {
        if (policy == null) {
            return null;
        }
        for (PortTrafficPolicy p : policy.portLevelSettings()) {
            if (p.port() == port && p.tls() != null) {
                return p.tls();
            }
        }
        return policy.tls();
    }
}
