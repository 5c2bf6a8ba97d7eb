package io.portcullis.model;

import java.util.Map;

/**
 * {@code ServiceEntry.endpoints[]} (Istio's {@code WorkloadEntry}).
 *
 * @param address an IP literal or a DNS name
 * @param ports   port name to the endpoint's port for that service port; empty when unchanged
 */
public record Endpoint(String address, Map<String, Integer> ports, Map<String, String> labels) {
    public Endpoint {
        ports = Map.copyOf(ports);
        labels = Map.copyOf(labels);
    }

    /** The port this endpoint serves {@code port} on. */
    public int portFor(ServicePort port) {
        Integer p = port.name() == null ? null : ports.get(port.name());
        return p != null ? p : port.upstreamPort();
    }
}
