package io.portcullis.model;

import java.util.List;

/**
 * {@code networking.istio.io VirtualService}: the {@code http}, {@code tls} and {@code tcp} routes that say
 * where traffic arriving at a gateway (or, with {@code mesh}, leaving a sidecar or the explicit proxy) goes.
 *
 * @param gateways {@code namespace/name} or {@code name} of Gateways, or {@code mesh}; empty means {@code mesh}
 */
public record VirtualService(
        ResourceId id,
        List<String> hosts,
        List<String> gateways,
        List<HttpRoute> http,
        List<TlsRoute> tls,
        List<TcpRoute> tcp,
        List<String> exportTo) implements Resource {

    public static final String MESH = "mesh";

    public VirtualService {
        hosts = List.copyOf(hosts);
        gateways = List.copyOf(gateways);
        http = List.copyOf(http);
        tls = List.copyOf(tls);
        tcp = List.copyOf(tcp);
        exportTo = List.copyOf(exportTo);
    }

    /** {@code tls[]}: matched by SNI. */
    public record TlsRoute(List<L4Match> match, List<RouteDestination> route) {
        public TlsRoute {
            match = List.copyOf(match);
            route = List.copyOf(route);
        }
    }

    /** {@code tcp[]}: matched by port and destination subnet. */
    public record TcpRoute(List<L4Match> match, List<RouteDestination> route) {
        public TcpRoute {
            match = List.copyOf(match);
            route = List.copyOf(route);
        }
    }

    /**
     * {@code TLSMatchAttributes} and {@code L4MatchAttributes} in one: {@code sniHosts} is empty for tcp.
     *
     * @param port     0 when absent
     * @param gateways empty means the VirtualService's own {@code gateways}
     */
    public record L4Match(List<String> sniHosts, List<Cidr> destinationSubnets, int port, List<String> gateways,
                          String sourceNamespace) {
        public L4Match {
            sniHosts = List.copyOf(sniHosts);
            destinationSubnets = List.copyOf(destinationSubnets);
            gateways = List.copyOf(gateways);
        }
    }

    /**
     * {@code RouteDestination}.
     *
     * @param weight 0 when absent (then the only destination takes all)
     */
    public record RouteDestination(Destination destination, int weight) {}

    /**
     * {@code Destination}.
     *
     * @param port 0 when absent
     * @param subset null when absent
     */
    public record Destination(String host, String subset, int port) {}
}
