package io.portcullis.proxy.pool;

import io.portcullis.policy.Reason;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.proxy.UpstreamException;

/** The upstream failures of a full connection pool (flag {@code UO}), naming the rule, the field and the limit. */
public final class PoolOverflow {
    private PoolOverflow() {
    }

    /** {@code tcp.maxConnections} connections to the destination are open. */
    public static UpstreamException connections(UpstreamSettings settings, int max) {
        return new UpstreamException(Reason.UPSTREAM_OVERFLOW, settings.rule() + " connectionPool.tcp.maxConnections: "
                + max + (max == 1 ? " connection" : " connections") + " to " + settings.destination() + " already open");
    }

    /** {@code http.http1MaxPendingRequests} requests already wait for a connection to the destination. */
    public static UpstreamException pending(UpstreamSettings settings, int maxConnections, int maxPending) {
        return new UpstreamException(Reason.UPSTREAM_OVERFLOW, settings.rule() + " connectionPool.tcp.maxConnections: "
                + maxConnections + " to " + settings.destination() + " open, and http.http1MaxPendingRequests: "
                + maxPending + (maxPending == 1 ? " request" : " requests") + " already waiting");
    }
}
