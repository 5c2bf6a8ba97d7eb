package io.portcullis.policy;

import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.model.DestinationRule.Tunnel;
import io.portcullis.model.ResourceId;
import java.util.Optional;

/**
 * What a {@code DestinationRule} says about the upstream connections to one destination: whether
 * they go through an HTTP proxy with CONNECT, the connection-pool limits shared by every
 * connection to the destination, and how its endpoints are balanced and ejected.
 *
 * @param destination the rule's host and the service port, e.g. {@code proxy.corp.example:3128}: the
 *                    key connection-pool limits are counted under
 * @param rule        the DestinationRule these settings come from
 */
public record UpstreamSettings(String destination, ResourceId rule, Optional<Tunnel> tunnel,
                               Optional<ConnectionPool> pool, Optional<String> loadBalancer,
                               Optional<OutlierDetection> outlierDetection) {
    /** Settings with a tunnel and a pool only. */
    public UpstreamSettings(String destination, ResourceId rule, Optional<Tunnel> tunnel, Optional<ConnectionPool> pool) {
        this(destination, rule, tunnel, pool, Optional.empty(), Optional.empty());
    }
}
