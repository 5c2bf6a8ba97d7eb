package io.portcullis.policy;

import io.portcullis.model.Cidr;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.VirtualService;
import io.portcullis.model.VirtualService.L4Match;
import io.portcullis.model.VirtualService.RouteDestination;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code VirtualService} tls and tcp routes bound to {@code mesh} (a match's {@code gateways},
 * else the VirtualService's, naming {@code mesh}; no gateways at all means {@code mesh}): what a
 * sidecar does with the connections it captured. The first route that fits wins, in
 * configuration order, as in Istio. Immutable once built.
 */
final class MeshRouter {
    /** One match of one mesh route, flattened. */
    record MeshRoute(ResourceId virtualService, List<String> vsHosts, List<String> sniHosts, List<Cidr> subnets,
                     int port, List<RouteDestination> destinations) {
    }

    private final List<MeshRoute> tls = new ArrayList<>();
    private final List<MeshRoute> tcp = new ArrayList<>();
    /** The destination hosts of the http routes bound to mesh: where sidecars send captured HTTP. */
    private final List<String> httpDestinations = new ArrayList<>();

    MeshRouter(List<VirtualService> services) {
        for (VirtualService vs : services) {
            for (io.portcullis.model.HttpRoute route : vs.http()) {
                boolean mesh = route.match().isEmpty() ? isMesh(vs.gateways())
                        : route.match().stream().anyMatch(m -> isMesh(m.gateways().isEmpty() ? vs.gateways() : m.gateways()));
                if (mesh) {
                    route.route().forEach(d -> httpDestinations.add(HostNames.normalize(d.destination().host())));
                }
            }
            for (VirtualService.TlsRoute route : vs.tls()) {
                for (L4Match m : route.match()) {
                    addIfMesh(tls, vs, m, route.route());
                }
            }
            for (VirtualService.TcpRoute route : vs.tcp()) {
                List<L4Match> matches = route.match().isEmpty()
                        ? List.of(new L4Match(List.of(), List.of(), 0, List.of(), null)) : route.match();
                for (L4Match m : matches) {
                    addIfMesh(tcp, vs, m, route.route());
                }
            }
        }
    }

    private static boolean isMesh(List<String> gateways) {
        return gateways.isEmpty() || gateways.contains(VirtualService.MESH);
    }

    private static void addIfMesh(List<MeshRoute> routes, VirtualService vs, L4Match m, List<RouteDestination> to) {
        List<String> gateways = m.gateways().isEmpty() ? vs.gateways() : m.gateways();
        if (isMesh(gateways)) {
            routes.add(new MeshRoute(vs.id(), vs.hosts(), m.sniHosts(), m.destinationSubnets(), m.port(), to));
        }
    }

    /**
     * Whether some mesh route (tls, tcp or http) sends connections to {@code host}: the sidecars' hop to an egress
     * gateway ({@code istio-egressgateway.istio-system.svc.cluster.local} in the articles).
     */
    boolean routesTo(String host) {
        String h = HostNames.normalize(host);
        if (httpDestinations.contains(h)) {
            return true;
        }
        return java.util.stream.Stream.concat(tls.stream(), tcp.stream())
                .flatMap(r -> r.destinations().stream())
                .anyMatch(d -> d.destination() != null && HostNames.normalize(d.destination().host()).equals(h));
    }

    /** Whether some mesh tls route listens on {@code port}: the sidecar must read the SNI there. */
    boolean hasTlsRouteOn(int port) {
        return tls.stream().anyMatch(r -> r.port() == 0 || r.port() == port);
    }

    /** The first mesh tls route whose SNI hosts match {@code sni} on this destination, or null. */
    MeshRoute tlsRoute(String sni, int port, byte[] ip) {
        for (MeshRoute r : tls) {
            if (fits(r, port, ip) && r.sniHosts().stream().anyMatch(p -> HostNames.matches(p, sni))) {
                return r;
            }
        }
        return null;
    }

    /** The first mesh tcp route for this destination whose VirtualService is about {@code entry}, or null. */
    MeshRoute tcpRoute(int port, byte[] ip, ServiceEntry entry) {
        for (MeshRoute r : tcp) {
            if (fits(r, port, ip) && concerns(r, entry)) {
                return r;
            }
        }
        return null;
    }

    private static boolean fits(MeshRoute r, int port, byte[] ip) {
        return (r.port() == 0 || r.port() == port) && (r.subnets().isEmpty() || r.subnets().stream().anyMatch(c -> c.contains(ip)));
    }

    /** A VirtualService applies to the services its hosts name (Istio binds it by host). */
    private static boolean concerns(MeshRoute r, ServiceEntry entry) {
        for (String vsHost : r.vsHosts()) {
            String v = HostNames.normalize(vsHost);
            for (String h : entry.hosts()) {
                if (HostNames.matches(v, h) || HostNames.matches(h, v)) {
                    return true;
                }
            }
        }
        return false;
    }
}
