package io.portcullis.policy;

import io.portcullis.model.Cidr;
import io.portcullis.model.Gateway;
import io.portcullis.model.ResourceId;
import io.portcullis.model.VirtualService;
import io.portcullis.model.VirtualService.Destination;
import io.portcullis.model.VirtualService.L4Match;
import io.portcullis.model.VirtualService.RouteDestination;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code VirtualService} tls and tcp routes bound to the Gateways of each listener port, in
 * configuration order; the first route whose match fits wins, as in Istio.
 */
final class GatewayRouter {
    /** One match of one route, flattened. */
    record CompiledRoute(ResourceId virtualService, List<String> sniHosts, List<Cidr> subnets, int port,
                         List<RouteDestination> destinations) {
    }

    private final Map<Integer, List<CompiledRoute>> tlsByPort = new HashMap<>();
    private final Map<Integer, List<CompiledRoute>> tcpByPort = new HashMap<>();

    GatewayRouter(List<Gateway> gateways, List<VirtualService> services) {
        for (Gateway gateway : gateways) {
            for (Gateway.Server server : gateway.servers()) {
                int port = server.port().number();
                for (VirtualService vs : services) {
                    for (VirtualService.TlsRoute route : vs.tls()) {
                        for (L4Match m : route.match()) {
                            addIfBound(tlsByPort, gateway.id(), port, vs, m, route.route());
                        }
                    }
                    for (VirtualService.TcpRoute route : vs.tcp()) {
                        List<L4Match> matches = route.match().isEmpty()
                                ? List.of(new L4Match(List.of(), List.of(), 0, List.of(), null))
                                : route.match();
                        for (L4Match m : matches) {
                            addIfBound(tcpByPort, gateway.id(), port, vs, m, route.route());
                        }
                    }
                }
            }
        }
    }

    private static void addIfBound(Map<Integer, List<CompiledRoute>> byPort, ResourceId gateway, int port,
                                   VirtualService vs, L4Match m, List<RouteDestination> destinations) {
        List<String> gateways = m.gateways().isEmpty() ? vs.gateways() : m.gateways();
        if (!refersTo(gateways, vs.id().namespace(), gateway) || (m.port() != 0 && m.port() != port)) {
            return;
        }
        List<CompiledRoute> routes = byPort.computeIfAbsent(port, p -> new ArrayList<>());
        CompiledRoute route = new CompiledRoute(vs.id(), m.sniHosts(), m.destinationSubnets(), port, destinations);
        if (!routes.contains(route)) {
            routes.add(route);
        }
    }

    /** Whether a VirtualService's gateway list names {@code gateway} ({@code name} or {@code namespace/name}). */
    static boolean refersTo(List<String> gateways, String vsNamespace, ResourceId gateway) {
        for (String ref : gateways) {
            int slash = ref.indexOf('/');
            String ns = slash < 0 ? vsNamespace : ref.substring(0, slash);
            String name = slash < 0 ? ref : ref.substring(slash + 1);
            if (ns.equals(gateway.namespace()) && name.equals(gateway.name())) {
                return true;
            }
        }
        return false;
    }

    /** The first tls route on {@code port} whose SNI hosts match {@code sni}, or null. */
    CompiledRoute tlsRoute(int port, String sni, byte[] localAddress) {
        for (CompiledRoute r : tlsByPort.getOrDefault(port, List.of())) {
            if (subnetsMatch(r, localAddress) && r.sniHosts().stream().anyMatch(p -> HostNames.matches(p, sni))) {
                return r;
            }
        }
        return null;
    }

    /** The first tcp route on {@code port}, or null. */
    CompiledRoute tcpRoute(int port, byte[] localAddress) {
        for (CompiledRoute r : tcpByPort.getOrDefault(port, List.of())) {
            if (subnetsMatch(r, localAddress)) {
                return r;
            }
        }
        return null;
    }

    private static boolean subnetsMatch(CompiledRoute r, byte[] localAddress) {
        return r.subnets().isEmpty() || localAddress == null || r.subnets().stream().anyMatch(c -> c.contains(localAddress));
    }

    /** Picks one destination by weight (a single destination takes all traffic whatever its weight). */
    static Destination pick(List<RouteDestination> destinations) {
        if (destinations.size() == 1) {
            return destinations.get(0).destination();
        }
        int total = destinations.stream().mapToInt(RouteDestination::weight).sum();
        int roll = ThreadLocalRandom.current().nextInt(Math.max(total, 1));
        for (RouteDestination d : destinations) {
            roll -= d.weight();
            if (roll < 0) {
                return d.destination();
            }
        }
        return destinations.get(destinations.size() - 1).destination();
    }
}
