package io.portcullis.policy;

import io.portcullis.model.HttpRoute;
import io.portcullis.model.HttpRoute.HttpDestination;
import io.portcullis.model.ResourceId;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** What {@link HttpRouteTable} answers for one request. */
public sealed interface HttpRouteResult {

    /** No VirtualService http route covers the host here: the ServiceEntry decides, as without routes. */
    record Unrouted() implements HttpRouteResult {
    }

    /** VirtualServices cover the host, but none of their routes matches the request (Envoy: 404, NR). */
    record NoMatch(ResourceId virtualService, String message) implements HttpRouteResult {
    }

    /**
     * The first route that matched, and the match of it that did ({@link HttpRoute.HttpMatch#ANY} for a route without).
     *
     * @param name the name for the access log's {@code %ROUTE_NAME%}: the route's {@code name} (with
     *             {@code .matchName} when the match is named), as Istio names Envoy routes; else the
     *             VirtualService and the route's index, e.g. {@code VirtualService/default/books.http[0]}
     */
    record Matched(ResourceId virtualService, HttpRoute route, HttpRoute.HttpMatch match, String name)
            implements HttpRouteResult {

        /** Picks one destination by weight (a single one takes all); empty for redirect and direct response routes. */
        public java.util.Optional<HttpDestination> pick() {
            List<HttpDestination> ds = route.route();
            if (ds.isEmpty()) {
                return java.util.Optional.empty();
            }
            if (ds.size() == 1) {
                return java.util.Optional.of(ds.get(0));
            }
            int total = ds.stream().mapToInt(HttpDestination::weight).sum();
            int roll = ThreadLocalRandom.current().nextInt(Math.max(total, 1));
            for (HttpDestination d : ds) {
                roll -= d.weight();
                if (roll < 0) {
                    return java.util.Optional.of(d);
                }
            }
            return java.util.Optional.of(ds.get(ds.size() - 1));
        }
    }
}
