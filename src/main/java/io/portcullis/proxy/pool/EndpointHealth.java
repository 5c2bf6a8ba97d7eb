package io.portcullis.proxy.pool;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.util.Optional;

/**
 * Which endpoint an upstream HTTP connection went to, kept on the connection, so that what the
 * connection's users learn (each answer's status, a reset before an answer) reaches the
 * DestinationRule's outlier detection for that endpoint, and a pooled connection to an ejected
 * endpoint is not reused. Present only where the destination has a DestinationRule.
 *
 * @param endpoints how many endpoints the destination had when the connection opened
 */
public record EndpointHealth(EndpointBalancer balancer, UpstreamSettings settings, Candidate endpoint, int endpoints) {
    private static final AttributeKey<EndpointHealth> KEY = AttributeKey.valueOf("portcullis.endpoint-health");

    /** The endpoint {@code ch} went to, when its destination's outlier detection watches it. */
    public static Optional<EndpointHealth> of(Channel ch) {
        return Optional.ofNullable(ch.attr(KEY).get());
    }

    void attachTo(Channel ch) {
        ch.attr(KEY).set(this);
    }

    /** An answer's status line arrived. */
    public void answered(int status) {
        balancer.observe(settings, endpoint, endpoints, status);
    }

    /** The connection closed or reset before the answer started: a local-origin failure. */
    public void reset() {
        balancer.observe(settings, endpoint, endpoints, EndpointBalancer.LOCAL_FAILURE);
    }

    /**
     * The route's timeout (or per-try timeout) passed before the answer started: a local-origin
     * timeout, counted as {@value EndpointBalancer#LOCAL_TIMEOUT} (Envoy's router records it so).
     */
    public void timedOut() {
        balancer.observe(settings, endpoint, endpoints, EndpointBalancer.LOCAL_TIMEOUT);
    }

    /** Whether the endpoint is out now (a pooled connection to it is not reused). */
    public boolean ejected() {
        return balancer.ejected(settings, endpoint);
    }

    /** Records on {@code ch} that it goes to {@code endpoint}, for the outlier detection of {@code balancer}. */
    public static void track(Channel ch, EndpointBalancer balancer, UpstreamSettings settings, Candidate endpoint,
                             int endpoints) {
        new EndpointHealth(balancer, settings, endpoint, endpoints).attachTo(ch);
    }
}
