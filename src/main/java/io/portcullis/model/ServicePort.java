package io.portcullis.model;

/**
 * {@code ServiceEntry.ports[]} and {@code Gateway.servers[].port}: Istio's {@code Port}.
 *
 * @param targetPort the port on the endpoints, or 0 when it is the same as {@code number}
 */
public record ServicePort(int number, String name, Protocol protocol, int targetPort) {
    public int upstreamPort() {
        return targetPort == 0 ? number : targetPort;
    }
}
