package io.portcullis.e2e;

/** Istio resources for a TCP Gateway listener routed to one declared upstream, for a given protocol. */
final class TcpProtocols {
    private TcpProtocols() {
    }

    /**
     * A ServiceEntry declaring {@code host} at 127.0.0.1:{@code upstreamPort} with {@code protocol}, a
     * Gateway server on {@code gatewayPort} with the same protocol, and the VirtualService tcp route
     * between them: the shape of the Istio articles' MongoDB and Redis egress gateways.
     */
    static String gatewayTo(String name, String host, String protocol, int gatewayPort, int upstreamPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %1$s
                spec:
                  hosts: [%2$s]
                  addresses: [127.0.0.1]
                  ports:
                  - {number: %5$d, name: tcp-%1$s, protocol: %3$s}
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: %1$s-gateway
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %4$d, name: tcp-%1$s, protocol: %3$s}
                    hosts: [%2$s]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: %1$s-through-egress-gateway
                spec:
                  hosts: [%2$s]
                  gateways: [%1$s-gateway]
                  tcp:
                  - match:
                    - port: %4$d
                    route:
                    - destination:
                        host: %2$s
                        port: {number: %5$d}
                """.formatted(name, host, protocol, gatewayPort, upstreamPort);
    }
}
