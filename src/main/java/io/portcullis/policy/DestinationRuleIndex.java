package io.portcullis.policy;

import io.portcullis.model.DestinationRule;
import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.DestinationRule.PortTrafficPolicy;

import java.util.List;

/**
 * DestinationRules by host: an exact host wins over wildcards, the longest wildcard over shorter
 * ones, {@code *} last; among rules for the same host the first in configuration order wins (the
 * oldest, in Istio). Immutable once built.
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

    /** The TLS settings for {@code host} (canonical) on service port {@code port}, or null for none or DISABLE. */
    TlsOrigination lookup(String host, int port) {
        DestinationRule rule = byHost.match(host);
        if (rule == null) {
            rule = catchAll;
        }
        if (rule == null || rule.trafficPolicy() == null) {
            return null;
        }
        ClientTls tls = rule.trafficPolicy().tls();
        for (PortTrafficPolicy p : rule.trafficPolicy().portLevelSettings()) {
            if (p.port() == port && p.tls() != null) {
                tls = p.tls();
                break;
            }
        }
        if (tls == null || tls.mode() == ClientTlsMode.DISABLE) {
            return null;
        }
        return new TlsOrigination(rule.id(), tls);
    }
}
