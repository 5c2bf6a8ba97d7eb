package io.portcullis.policy;

import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;
import io.portcullis.model.DestinationRule.Subset;
import io.portcullis.model.DestinationRule.TrafficPolicy;
import java.util.List;

/**
 * Which {@code DestinationRule} applies to a destination: an exact host wins over wildcards, the
 * longest wildcard over shorter ones, {@code *} last; among rules for the same host the first in
 * configuration order wins (the oldest, in Istio). Within a rule, a subset's traffic policy comes
 * before the top-level one, and in each the port's settings before the policy-wide {@code tls}.
 * Immutable once built.
 */
final class DestinationRuleIndex {
    private final HostTrie<DestinationRule> byHost = new HostTrie<>();
    private DestinationRule catchAll;

    DestinationRuleIndex(List<DestinationRule> rules) {
        for (DestinationRule rule : rules) {
            if (rule.host() == null) {
                continue;
            }
            if (rule.host().equals("*")) {
                if (catchAll == null) {
                    catchAll = rule;
                }
            } else {
                byHost.putIfAbsent(HostNames.normalize(rule.host()), rule);
            }
        }
    }

    DestinationRule ruleFor(String host) {
        DestinationRule rule = byHost.match(HostNames.normalize(host));
        return rule != null ? rule : catchAll;
    }

    /** TLS origination at the gateway: the settings for {@code host} on service port {@code port}, or null for none or DISABLE. */
    TlsOrigination lookup(String host, int port) {
        DestinationRule rule = ruleFor(host);
        if (rule == null) {
            return null;
        }
        ClientTls tls = tls(rule.trafficPolicy(), port);
        if (tls == null || tls.mode() == ClientTlsMode.DISABLE) {
            return null;
        }
        return new TlsOrigination(rule.id(), tls);
    }

    /** Whether {@code subset} of {@code host} is defined (a route to an undefined subset goes nowhere). */
    boolean hasSubset(String host, String subset) {
        DestinationRule dr = ruleFor(host);
        return dr != null && dr.subsets().stream().anyMatch(s -> subset.equals(s.name()));
    }

    /** The sidecar's hop to a routed destination: the client TLS settings, or null for plain TCP. */
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
