package io.portcullis.telemetry;

import io.portcullis.model.ServiceEntry;
import io.portcullis.policy.HostNames;
import io.portcullis.policy.PortBinding;
import io.portcullis.policy.RoutedDestination;
import java.util.Optional;

/**
 * Where a connection was headed, in Istio's terms: the {@code destination_service} and
 * {@code destination_port} labels and Envoy's {@code %UPSTREAM_CLUSTER%}. A declared destination
 * is named by the ServiceEntry host it matched ({@code *.googleapis.com} for a wildcard entry,
 * as Istio names the cluster {@code outbound|443||*.googleapis.com}); an undeclared one by the
 * name the client asked for, in Istio's {@code PassthroughCluster} (ALLOW_ANY) or
 * {@code BlackHoleCluster} (refused).
 *
 * @param service  the declared host, or the requested name/address, or {@code unknown}
 * @param declared whether {@code service} comes from configuration (bounded) or from a client (not)
 * @param port     the destination port, or 0 when unknown
 * @param cluster  {@code outbound|PORT||HOST} ({@code outbound|PORT|SUBSET|HOST} for a route's destination),
 *                 {@code PassthroughCluster} or {@code BlackHoleCluster}
 */
public record Destination(String service, boolean declared, int port, String cluster) {
    public static final String UNKNOWN = "unknown";
    public static final String PASSTHROUGH = "PassthroughCluster";
    public static final String BLACK_HOLE = "BlackHoleCluster";

    /** No decision yet: a connection closed before it said where it was going. */
    public static final Destination NONE = new Destination(UNKNOWN, false, 0, "-");

    /**
     * The destination of a verdict, for a client that asked for {@code requestedHost:requestedPort}
     * (null: not known).
     *
     * @param binding the ServiceEntry port that allowed it; empty when undeclared or refused
     */
    public static Destination of(Optional<PortBinding> binding, boolean allowed, String requestedHost, int requestedPort) {
        if (binding.isPresent()) {
            ServiceEntry entry = binding.get().entry();
            String host = matchedHost(entry, requestedHost);
            int port = binding.get().port().number();
            return new Destination(host, true, port, "outbound|" + port + "||" + host);
        }
        String service = requestedHost == null || requestedHost.isEmpty() ? UNKNOWN : HostNames.normalize(requestedHost);
        return new Destination(service, false, requestedHost == null ? 0 : requestedPort,
                allowed ? PASSTHROUGH : BLACK_HOLE);
    }

    /** The entry's host the request matched (exact first, then a wildcard); else its first host. */
    private static String matchedHost(ServiceEntry entry, String requestedHost) {
        if (requestedHost != null) {
            String h = HostNames.normalize(requestedHost);
            if (entry.hosts().contains(h)) {
                return h;
            }
            for (String pattern : entry.hosts()) {
                if (HostNames.matches(pattern, h)) {
                    return pattern;
                }
            }
        }
        return entry.hosts().isEmpty() ? UNKNOWN : entry.hosts().get(0);
    }

    /**
     * Where a route sent it when that is another host than the entry's (a sidecar's mesh route to the
     * egress gateway): the route's destination and its cluster, as Istio's sidecar labels its outbound
     * request by the cluster it sent it to ({@code destination_service} is the cluster's service host:
     * {@code istio-egressgateway.istio-system.svc.cluster.local}, not the external host the app named).
     */
    public static Destination routed(RoutedDestination to) {
        return new Destination(to.host(), true, to.port(), to.cluster());
    }

    /** The {@code destination_port} label value. */
    public String portLabel() {
        return port == 0 ? UNKNOWN : Integer.toString(port);
    }
}
