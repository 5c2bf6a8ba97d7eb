package io.portcullis.policy;

import io.portcullis.model.ResourceId;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a {@code VirtualService} http route bound to {@code mesh} sends one request a sidecar
 * captured: the destination the data plane's route step picked (weights already drawn), which
 * {@link Admission#admit} decides as the sidecar decides a tls or tcp route's destination (the egress
 * gateway with the DestinationRule TLS of its subset and port, another declared host, or the same
 * service on another port).
 *
 * @param virtualService the VirtualService whose route took the request
 * @param host           the destination's host, canonical (a wildcard destination already replaced by the request's host)
 * @param subset         the destination's {@code subset}; empty when none
 * @param port           the destination's port (its {@code port.number}, else the request's service port)
 */
public record MeshHttpRoute(ResourceId virtualService, String host, Optional<String> subset, int port) {
    public MeshHttpRoute {
        Objects.requireNonNull(virtualService, "virtualService");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(subset, "subset");
    }
}
