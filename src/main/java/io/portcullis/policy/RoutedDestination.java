package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.ResourceId;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a {@code VirtualService} route sends a connection or request: one destination of the route,
 * weights already drawn, a wildcard destination host already replaced by the requested one. The
 * data plane finds it for an HTTP request ({@link Facts#routedTo}); the sidecar finds it for a
 * connection by its tls or tcp mesh route; either way, {@link Admission#admit} decides the
 * destination rather than what the client asked for, and the verdict keeps it when it governs the
 * upstream connection ({@link Verdict.Forward#routedTo}).
 *
 * <p>What it means for each router that sets it in the facts:
 * <ul>
 *   <li>a Gateway server's HTTP requests ({@link ListenerKind#HTTP_GATEWAY}), a route bound to the
 *       Gateway: the server must still serve the Host; the destination must be declared by a
 *       ServiceEntry, as a requested host would be, and its DestinationRule originates TLS;</li>
 *   <li>the explicit proxy's plain HTTP ({@link ListenerKind#EXPLICIT_HTTP}), a route bound to
 *       {@code mesh}: the same, in place of the absolute URI's authority;</li>
 *   <li>a request a sidecar captured ({@link ListenerKind#SIDECAR_CAPTURE}), a route bound to
 *       {@code mesh}: the entry is still found by the original destination and Host; the
 *       destination is where the request goes, with its DestinationRule TLS for its subset and
 *       port (e.g. {@code ISTIO_MUTUAL} to the egress gateway), as for a tls or tcp route.</li>
 * </ul>
 * AuthorizationPolicies see what the client asked for, never the route's destination.
 *
 * @param virtualService the VirtualService whose route took it
 * @param host           the destination's host, canonical (lower case, no trailing dot)
 * @param subset         the destination's {@code subset}; empty when none
 * @param port           the destination's port: its {@code port.number}, else the requested service port
 */
public record RoutedDestination(ResourceId virtualService, String host, Optional<String> subset, int port) {
    public RoutedDestination {
        Objects.requireNonNull(virtualService, "virtualService");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(subset, "subset");
    }

    /** The destination as a name and port, the way a client would have named it. */
    public HostPort hostPort() {
        return HostPort.ofName(host, port);
    }

    /**
     * Istio's name for the upstream cluster it goes to, which labels its metrics:
     * {@code outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local}.
     */
    public String cluster() {
        return "outbound|" + port + "|" + subset.orElse("") + "|" + host;
    }

    @Override
    public String toString() {
        return AddressText.hostPort(host, port) + subset.map(s -> " subset " + s).orElse("") + " by " + virtualService;
    }
}
