package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.model.HttpRoute;
import io.portcullis.model.HttpRoute.HttpDestination;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.HostNames;
import io.portcullis.policy.HttpRequestFacts;
import io.portcullis.policy.HttpRouteResult;
import io.portcullis.policy.Reason;
import io.portcullis.policy.RoutedDestination;
import io.portcullis.telemetry.ConnectionLog;
import java.util.Optional;

/**
 * The VirtualService http route step of the HTTP routers: gathers the request's facts, asks the snapshot's
 * {@link io.portcullis.policy.HttpRouteTable}, and says where the request goes and what is done to it. The
 * destination a route names is then decided like any requested host (a ServiceEntry must declare it, unless
 * ALLOW_ANY), so a route never opens a way out that the ServiceEntries do not. Runs on the client's event loop.
 */
final class HttpRouting {

    /** The step's answer. */
    sealed interface Outcome {
    }

    /** No http route covers the host: the router goes on as without routes. */
    record Unrouted() implements Outcome {
    }

    /** The request is refused (no route of the host's VirtualServices matches it). */
    record Refused(Route.Refuse refuse) implements Outcome {
    }

    /** The route answers itself (redirect, direct response). */
    record Answered(Route.Answer answer) implements Outcome {
    }

    /**
     * The route sends the request to {@code destination} (host and service port, to be decided; {@code subset}
     * of it when the route names one), with the Host header rewritten to {@code authority} when the route says so.
     */
    record Routed(Authority destination, Optional<String> subset, Optional<String> authority, RouteActions actions,
                  ResourceId virtualService) implements Outcome {

        /** The Host header the upstream gets: the rewritten authority, else {@code original}. */
        String hostHeader(String original) {
            return authority.orElse(original);
        }

        /** The request's {@link io.portcullis.policy.Facts#routedTo}: where the route sends it, for admission. */
        RoutedDestination routedTo() {
            return new RoutedDestination(virtualService, destination.host(), subset, destination.port());
        }
    }

    private HttpRouting() {
    }

    /**
     * @param gatewayPort the Gateway listener's port, 0 for the mesh (explicit proxy, tunnel, sidecar)
     * @param requested   the host and port the request names
     * @param authority   the authority as sent (Host header or absolute-URI authority)
     */
    static Outcome route(EgressPolicy policy, int gatewayPort, HttpRequest request, Authority requested,
                         String authority, String scheme, ConnectionLog log) {
        if (policy.httpRoutes().isEmpty()) {
            return new Unrouted();
        }
        String target = originTarget(request.uri());
        HttpRequestFacts facts = new HttpRequestFacts(gatewayPort, requested.host(), authority, requested.port(),
                request.method().name(), scheme, target, name -> Optional.ofNullable(request.headers().get(name)));
        HttpRouteResult result = policy.httpRoutes().route(facts);
        if (result instanceof HttpRouteResult.NoMatch n) {
            log.refused(Reason.NO_ROUTE, n.message(), n.virtualService());
            return new Refused(new Route.Refuse(Reason.NO_ROUTE, n.message()));
        }
        if (!(result instanceof HttpRouteResult.Matched m)) {
            return new Unrouted();
        }
        log.httpRoute(m.name());
        HttpRoute route = m.route();
        Optional<HttpDestination> picked = m.pick();
        Optional<String> location = route.redirect().map(r -> location(r, scheme, requested, target));
        RouteActions actions = RouteActions.of(m.name(), route, m.match().uri(), picked, location);
        if (picked.isEmpty()) {
            // Nothing leaves the gateway: allowed as an answer of the route, with no upstream and no ServiceEntry.
            log.answered("answered by " + m.name());
            return new Answered(new Route.Answer(actions.localReply().orElseThrow(), m.name()));
        }
        var d = picked.get().destination();
        String host = d.host().startsWith("*") ? requested.host() : HostNames.normalize(d.host());
        int port = d.port() != 0 ? d.port() : policy.servicePort(host, requested.port());
        return new Routed(new Authority(host, port, null), Optional.ofNullable(d.subset()).filter(n -> !n.isEmpty()),
                rewrittenAuthority(route, picked.get()), actions, m.virtualService());
    }

    /** {@code rewrite.authority}, else a {@code Host}/{@code :authority} set by the route or its destination. */
    private static Optional<String> rewrittenAuthority(HttpRoute route, HttpDestination d) {
        Optional<String> rewrite = route.rewrite().map(HttpRoute.Rewrite::authority).filter(a -> !a.isEmpty());
        if (rewrite.isPresent()) {
            return rewrite;
        }
        for (HttpRoute.HeaderOperations ops : new HttpRoute.HeaderOperations[] {d.requestHeaders(), route.requestHeaders()}) {
            for (String name : new String[] {"host", ":authority"}) {
                if (ops.set().containsKey(name)) {
                    return Optional.of(ops.set().get(name));
                }
            }
        }
        return Optional.empty();
    }

    /** Where a redirect points: each part the route gives, else the request's own. */
    private static String location(HttpRoute.Redirect r, String scheme, Authority requested, String target) {
        String s = r.scheme().isEmpty() ? scheme : r.scheme();
        String host = r.authority().isEmpty() ? requested.hostForHeader() : r.authority();
        int port = r.port() != 0 ? r.port() : requested.port();
        boolean defaultPort = (s.equals("http") && port == 80) || (s.equals("https") && port == 443);
        String hostPort = (host.contains(":") && !host.startsWith("[")) || defaultPort ? host : host + ":" + port;
        String path = r.uri().isEmpty() ? target : r.uri();
        return s + "://" + hostPort + path;
    }

    /** The request target in origin form (path and query) whatever form it was sent in. */
    static String originTarget(String uri) {
        if (uri.startsWith("/") || uri.equals("*")) {
            return uri;
        }
        int authority = uri.indexOf("://");
        if (authority < 0) {
            return uri;
        }
        int slash = uri.indexOf('/', authority + 3);
        int query = uri.indexOf('?', authority + 3);
        int start = slash < 0 ? query : query < 0 ? slash : Math.min(slash, query);
        String rest = start < 0 ? "/" : uri.substring(start);
        return rest.startsWith("?") ? "/" + rest : rest;
    }
}
