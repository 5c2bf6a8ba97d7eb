package io.portcullis.model;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code networking.istio.io Sidecar}: what the workloads of one namespace may reach. Portcullis
 * acts on two of its parts, for callers from the Sidecar's namespace (or, in the root namespace
 * {@code istio-system}, for every namespace without a Sidecar of its own): the
 * {@code outboundTrafficPolicy.mode}, and the {@code egress[].hosts} import lists.
 *
 * @param selectsWorkloads whether a {@code workloadSelector} with labels narrows it to some
 *                         workloads, which Portcullis cannot tell apart: such a Sidecar is not applied
 * @param egress           the egress listeners with their import lists (a unix-socket one on port 0)
 * @param outboundMode     {@code outboundTrafficPolicy.mode}; empty when absent (the global mode applies)
 */
public record Sidecar(ResourceId id, boolean selectsWorkloads, List<EgressListener> egress,
                      Optional<OutboundMode> outboundMode) implements Resource {
    public static final String KIND = "Sidecar";

    public Sidecar {
        egress = List.copyOf(egress);
    }

    /** Istio's {@code OutboundTrafficPolicy.Mode}. */
    public enum OutboundMode { REGISTRY_ONLY, ALLOW_ANY }

    /**
     * {@code egress[]}: the hosts a caller imports, on {@code port} only when one is given.
     *
     * @param hosts {@code namespace/dnsName} as written (lower-cased): {@code ns/host}, {@code ./host},
     *              <code>&#42;/host</code>, and the exclusions {@code ~ns/host} and {@code ~/host}
     */
    public record EgressListener(OptionalInt port, List<String> hosts) {
        public EgressListener {
            hosts = List.copyOf(hosts);
        }
    }
}
