package io.portcullis.model;

/** A validated configuration resource. */
public sealed interface Resource permits ServiceEntry, Gateway, VirtualService, DestinationRule,
        AuthorizationPolicy, TlsSecret, Sidecar {
    ResourceId id();
}
