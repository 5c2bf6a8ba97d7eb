package io.portcullis.policy;

import io.portcullis.model.Gateway;
import io.portcullis.model.HttpRoute;
import io.portcullis.model.HttpRoute.HttpMatch;
import io.portcullis.model.ResourceId;
import io.portcullis.model.VirtualService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code VirtualService} http routes, compiled once per snapshot: for the mesh (the explicit proxy, HTTP
 * in CONNECT tunnels, the sidecar), the VirtualServices whose {@code gateways} are empty or name {@code mesh};
 * for each Gateway listener port, those bound to a Gateway with a server on that port.
 *
 * <p>A request is routed as Envoy routes Istio's configuration: first the virtual host, the VirtualService
 * host that names the request's host most specifically (an exact name before {@code *.example.com}, before
 * {@code *}); then, within the VirtualServices of that host in configuration order, the first route with a
 * match that fits (a route without matches takes every request). Pure: no I/O, safe on an event loop.
 */
public final class HttpRouteTable {
    /** One match of one route, flattened, with the VirtualService hosts it serves. */
    private record Entry(VirtualService vs, HttpRoute route, HttpMatch match, HttpMatcher matcher, String name) {
    }

    private final List<Entry> mesh = new ArrayList<>();
    private final Map<Integer, List<Entry>> byGatewayPort = new HashMap<>();

    HttpRouteTable(List<Gateway> served, List<VirtualService> services) {
        for (VirtualService vs : services) {
            for (HttpRoute route : vs.http()) {
                List<HttpMatch> matches = route.match().isEmpty() ? List.of(HttpMatch.ANY) : route.match();
                for (HttpMatch m : matches) {
                    List<String> gateways = m.gateways().isEmpty() ? vs.gateways() : m.gateways();
                    Entry e = new Entry(vs, route, m, new HttpMatcher(m), name(vs, route, m));
                    if (gateways.isEmpty() || gateways.contains(VirtualService.MESH)) {
                        mesh.add(e);
                    }
                    for (Gateway g : served) {
                        if (GatewayRouter.refersTo(gateways, vs.id().namespace(), g.id())) {
                            for (Gateway.Server s : g.servers()) {
                                int port = s.port().number();
                                if (m.port() == 0 || m.port() == port) {
                                    List<Entry> onPort = byGatewayPort.computeIfAbsent(port, p -> new ArrayList<>());
                                    if (!onPort.contains(e)) {
                                        onPort.add(e);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Whether no http route is configured at all (then every request is {@link HttpRouteResult.Unrouted}). */
    public boolean isEmpty() {
        return mesh.isEmpty() && byGatewayPort.isEmpty();
    }

    /** The route for {@code facts}: see the class comment. */
    public HttpRouteResult route(HttpRequestFacts facts) {
        List<Entry> entries = facts.gatewayPort() == 0 ? mesh : byGatewayPort.getOrDefault(facts.gatewayPort(), List.of());
        int best = -1;
        for (Entry e : entries) {
            best = Math.max(best, specificity(e.vs(), facts.host()));
        }
        if (best < 0) {
            return new HttpRouteResult.Unrouted();
        }
        ResourceId first = null;
        for (Entry e : entries) {
            if (specificity(e.vs(), facts.host()) != best) {
                continue;
            }
            if (first == null) {
                first = e.vs().id();
            }
            if (e.matcher().matches(facts)) {
                return new HttpRouteResult.Matched(e.vs().id(), e.route(), e.match(), e.name());
            }
        }
        return new HttpRouteResult.NoMatch(first, "no http route of " + first + " matches " + facts.method() + " "
                + facts.host() + facts.path());
    }

    /**
     * How specifically one of the VirtualService's hosts names {@code host}: the pattern's length, an exact name
     * above any wildcard; -1 when none does.
     */
    private static int specificity(VirtualService vs, String host) {
        int best = -1;
        for (String pattern : vs.hosts()) {
            if (HostNames.matches(pattern, host)) {
                int score = pattern.startsWith("*") ? pattern.length() : Integer.MAX_VALUE / 2 + pattern.length();
                best = Math.max(best, score);
            }
        }
        return best;
    }

    private static String name(VirtualService vs, HttpRoute route, HttpMatch m) {
        if (!route.name().isEmpty()) {
            return m.name().isEmpty() ? route.name() : route.name() + "." + m.name();
        }
        return vs.id() + ".http[" + route.index() + "]";
    }
}
