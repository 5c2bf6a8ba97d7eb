package io.portcullis.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.model.HttpRoute;
import io.portcullis.model.HttpRoute.HeaderOperations;
import io.portcullis.model.HttpRoute.HttpDestination;
import io.portcullis.model.HttpRoute.MatchKind;
import io.portcullis.model.HttpRoute.Retries;
import io.portcullis.model.HttpRoute.StringMatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the VirtualService http route that took one request does to it on the way through: rewrite its path,
 * change request and response headers (the route's operations, then its destination's), delay it, bound it in
 * time, retry it, or answer it here (fault abort, redirect, direct response). Whether this request is delayed
 * or aborted is rolled once, when the route is chosen, with the route's percentages. Immutable; built per
 * request on the client's event loop.
 */
final class RouteActions {
    /** No route took the request: nothing changes, no retries beyond the stale-connection one. */
    static final RouteActions NONE = new RouteActions("", Optional.empty(), List.of(), List.of(), Optional.empty(),
            Optional.empty(), Optional.empty(), Retries.NONE, Optional.empty());

    private final String name;
    private final Optional<StringMatch> uriMatch;
    private final List<HeaderOperations> request;
    private final List<HeaderOperations> response;
    private final Optional<String> uriRewrite;
    private final Optional<Duration> delay;
    private final Optional<Duration> timeout;
    private final Retries retries;
    private final Optional<LocalReply> localReply;

    /**
     * An answer the gateway gives itself, instead of forwarding.
     *
     * @param flag Envoy's response flag, {@code -} for none
     */
    record LocalReply(int status, String body, Optional<String> location, String flag) {
    }

    private RouteActions(String name, Optional<StringMatch> uriMatch, List<HeaderOperations> request,
                         List<HeaderOperations> response, Optional<String> uriRewrite, Optional<Duration> delay,
                         Optional<Duration> timeout, Retries retries, Optional<LocalReply> localReply) {
        this.name = name;
        this.uriMatch = uriMatch;
        this.request = request;
        this.response = response;
        this.uriRewrite = uriRewrite;
        this.delay = delay;
        this.timeout = timeout;
        this.retries = retries;
        this.localReply = localReply;
    }

    /**
     * The actions of {@code route}, matched by {@code uriMatch}, sending to {@code destination} (empty for a
     * redirect or direct response); {@code location} is where a redirect points, built by the caller.
     */
    static RouteActions of(String name, HttpRoute route, Optional<StringMatch> uriMatch,
                           Optional<HttpDestination> destination, Optional<String> location) {
        Optional<LocalReply> reply = Optional.empty();
        Optional<Duration> delay = Optional.empty();
        if (route.fault().isPresent()) {
            HttpRoute.Fault f = route.fault().get();
            delay = f.delay().filter(d -> roll(d.percent())).map(HttpRoute.Delay::fixedDelay);
            reply = f.abort().filter(a -> roll(a.percent())).map(a -> new LocalReply(a.httpStatus(),
                    "fault filter abort", Optional.empty(), "FI"));
        }
        if (route.redirect().isPresent()) {
            reply = Optional.of(new LocalReply(route.redirect().get().code(), "", location, "-"));
        } else if (route.directResponse().isPresent()) {
            reply = Optional.of(new LocalReply(route.directResponse().get().status(),
                    route.directResponse().get().body(), Optional.empty(), "-"));
        }
        List<HeaderOperations> req = destination.map(d -> List.of(route.requestHeaders(), d.requestHeaders()))
                .orElse(List.of(route.requestHeaders()));
        List<HeaderOperations> resp = destination.map(d -> List.of(route.responseHeaders(), d.responseHeaders()))
                .orElse(List.of(route.responseHeaders()));
        return new RouteActions(name, uriMatch, req, resp,
                route.rewrite().map(HttpRoute.Rewrite::uri).filter(u -> !u.isEmpty()), delay, route.timeout(),
                route.retries(), reply);
    }

    private static boolean roll(double percent) {
        return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextDouble(100) < percent);
    }

    /** The same actions with no retries (where the upstream connection cannot be replaced: a CONNECT tunnel). */
    RouteActions withoutRetries() {
        return new RouteActions(name, uriMatch, request, response, uriRewrite, delay, timeout, Retries.NONE, localReply);
    }

    /** The route's name for {@code %ROUTE_NAME%}, empty when no route took the request. */
    String name() {
        return name;
    }

    Optional<Duration> delay() {
        return delay;
    }

    Optional<Duration> timeout() {
        return timeout;
    }

    Retries retries() {
        return retries;
    }

    Optional<LocalReply> localReply() {
        return localReply;
    }

    /**
     * Rewrites the request head (already in origin form) for the upstream: {@code rewrite.uri} replaces the
     * matched prefix (a prefix match) or the whole path (any other match), the query kept; then the header
     * operations. {@code Host} and {@code :authority} operations were applied by the router (they decide the
     * Host header), so they are skipped here.
     */
    void onRequest(HttpRequest head) {
        uriRewrite.ifPresent(to -> head.setUri(rewriteUri(head.uri(), to)));
        for (HeaderOperations ops : request) {
            apply(ops, head.headers());
        }
    }

    /** Applies the response header operations to a final response head. */
    void onResponse(HttpResponse head) {
        for (HeaderOperations ops : response) {
            apply(ops, head.headers());
        }
    }

    String rewriteUri(String target, String to) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q);
        boolean prefix = uriMatch.map(m -> m.kind() == MatchKind.PREFIX).orElse(false);
        String rest = prefix && path.startsWith(uriMatch.get().value()) ? path.substring(uriMatch.get().value().length()) : "";
        // Envoy's prefix_rewrite: the matched prefix replaced as written ("/v1" -> "/" turns "/v1/a" into "//a").
        String out = to + rest;
        return (out.isEmpty() ? "/" : out) + query;
    }

    private static void apply(HeaderOperations ops, HttpHeaders headers) {
        for (String name : ops.remove()) {
            headers.remove(name);
        }
        ops.set().forEach((name, value) -> {
            if (!isAuthority(name)) {
                headers.set(name, value);
            }
        });
        ops.add().forEach((name, value) -> {
            if (!isAuthority(name)) {
                headers.add(name, value);
            }
        });
    }

    static boolean isAuthority(String name) {
        return name.equals("host") || name.equals(":authority");
    }

    /** The local reply as a response head and body; the forwarder frames it for the client. */
    static FullHttpResponse toResponse(ByteBufAllocator alloc, LocalReply reply) {
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                alloc.buffer(body.length).writeBytes(body));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (body.length > 0) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        }
        reply.location().ifPresent(l -> r.headers().set(HttpHeaderNames.LOCATION, l));
        return r;
    }
}
