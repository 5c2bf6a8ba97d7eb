package io.portcullis.policy;

/** Istio's {@code outboundTrafficPolicy.mode}. */
public enum OutboundPolicy {
    /** Only declared destinations are reachable (the default). */
    REGISTRY_ONLY,
    /** Everything passes; undeclared destinations are logged as such. */
    ALLOW_ANY
}
