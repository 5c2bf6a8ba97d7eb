package io.portcullis.policy;

import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.model.DestinationRule.Tunnel;
import io.portcullis.model.ResourceId;
import java.util.Optional;

/**
 * What a {@code DestinationRule} says about the upstream connections to one destination: whether
 * they go through an HTTP proxy with CONNECT, and the connection-pool limits, shared by every
 * connection to the destination.
 *
 * @param destination the rule's host and the service port, e.g. {@code proxy.corp.example:3128}: the
 *                    key connection-pool limits are counted under
 * @param rule        the DestinationRule these settings come from
 */
public record UpstreamSettings(String destination, ResourceId rule, Optional<Tunnel> tunnel,
                               Optional<ConnectionPool> pool) {
}
