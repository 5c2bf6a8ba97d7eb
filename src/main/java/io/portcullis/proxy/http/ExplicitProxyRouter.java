package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Admission;
import io.portcullis.policy.AuthzResult;
import io.portcullis.policy.Facts;
import io.portcullis.policy.Reason;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.telemetry.ConnectionLog;

/**
 * The explicit proxy's requests, as {@code HTTP_PROXY} clients send them: {@code CONNECT
 * host:port} opens a tunnel; {@code GET http://host[:port]/path} is forwarded, with TLS
 * originated when the verdict says so (a DestinationRule for the entry's port: the article's
 * {@code http://books.example:443} pattern). The Host header must name the same host as the
 * authority. Every request's facts are admitted on their own against the connection's snapshot,
 * and authorized on its method, path and headers (AuthorizationPolicy {@code to.operation}; a
 * CONNECT is an HTTP request with method CONNECT and no path).
 */
final class ExplicitProxyRouter implements RequestRouter {
    private final Channel client;
    private final EgressPolicy policy;
    private final ConnectionLog log;

    ExplicitProxyRouter(Channel client, EgressPolicy policy, ConnectionLog log) {
        this.client = client;
        this.policy = policy;
        this.log = log;
    }

    @Override
    public Route route(HttpRequest request) {
        try {
            if (request.method().equals(HttpMethod.CONNECT)) {
                Authority authority = Authority.fromWire(request.uri(), -1);
                HostHeaders.requireMatch(request, authority, "CONNECT authority");
                Verdict verdict = admit(facts(ListenerKind.EXPLICIT_CONNECT, authority, request));
                return verdict instanceof Verdict.Forward f ? new Route.Tunnel(f, authority)
                        : new Route.Refuse(verdict.reason(), verdict.message());
            }
            Authority authority = HostHeaders.absoluteFormAuthority(request.uri(), 80);
            if (authority == null) {
                throw new IllegalArgumentException("not a proxy request: the URI must be absolute (http://host/path) or use CONNECT");
            }
            HostHeaders.requireMatch(request, authority, "request URI's host");
            // Hook: VirtualService http routes (mesh) may send the request elsewhere, or answer it.
            HttpRouting.Outcome routing = authority.ip() != null ? new HttpRouting.Unrouted()
                    : HttpRouting.route(policy, 0, request, authority, authority.hostHeader(80), "http", log);
            if (routing instanceof HttpRouting.Refused r) {
                return r.refuse();
            } else if (routing instanceof HttpRouting.Answered a) {
                // AuthorizationPolicies come before the route's own answer, as Envoy's RBAC filter precedes the router.
                AuthzResult authz = Admission.authorize(policy, facts(ListenerKind.EXPLICIT_HTTP, authority, request).build());
                if (!authz.allowed()) {
                    log.refused(Reason.AUTHZ_DENIED, authz.message(), authz.policy());
                    return new Route.Refuse(Reason.AUTHZ_DENIED, authz.message());
                }
                return a.answer();
            }
            Facts.Builder facts = facts(ListenerKind.EXPLICIT_HTTP, authority, request);
            if (routing instanceof HttpRouting.Routed routed) {
                // Decided at the route's destination; AuthorizationPolicies still see the authority asked for.
                Verdict verdict = admit(facts.routedTo(routed.routedTo()));
                if (!(verdict instanceof Verdict.Forward f)) {
                    return new Route.Refuse(verdict.reason(), verdict.message() + " (the destination of "
                            + routed.actions().name() + ")");
                }
                return new Route.Forward(f, routed.destination(), routed.hostHeader(authority.hostHeader(80)), policy,
                        routed.actions());
            }
            Verdict verdict = admit(facts);
            if (!(verdict instanceof Verdict.Forward f)) {
                return new Route.Refuse(verdict.reason(), verdict.message());
            }
            return new Route.Forward(f, authority, authority.hostHeader(80), policy);
        } catch (HostHeaders.Refused r) {
            return r.route();
        }
    }

    private Verdict admit(Facts.Builder facts) {
        Verdict verdict = Admission.admit(policy, facts.build());
        log.decided(verdict);
        return verdict;
    }

    /** What the client asked for: {@code authority} as the CONNECT authority or absolute URI's, and as the Host. */
    private Facts.Builder facts(ListenerKind kind, Authority authority, HttpRequest request) {
        return RequestFacts.add(ChannelFacts.of(kind, client), request)
                .authority(RequestFacts.hostPort(authority)).host(RequestFacts.hostPort(authority));
    }
}
