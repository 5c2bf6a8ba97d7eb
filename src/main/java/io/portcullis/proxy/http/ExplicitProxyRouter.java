package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.AuthzResult;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.TlsOrigination;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.telemetry.ConnectionLog;
import java.util.Optional;

/**
 * The explicit proxy's requests, as {@code HTTP_PROXY} clients send them: {@code CONNECT
 * host:port} opens a tunnel; {@code GET http://host[:port]/path} is forwarded, with TLS
 * originated when a DestinationRule says so for the entry's port (the article's
 * {@code http://books.example:443} pattern). The Host header must name the same host as the
 * authority. Every request is decided on its own authority against the connection's snapshot,
 * and authorized on its method, path and headers (AuthorizationPolicy {@code to.operation}).
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
                Decision decision = decide(authority, authority.host(), request);
                return decision.allowed() ? new Route.Tunnel(decision, authority)
                        : new Route.Refuse(decision.reason(), decision.message());
            }
            Authority authority = HostHeaders.absoluteFormAuthority(request.uri(), 80);
            if (authority == null) {
                throw new IllegalArgumentException("not a proxy request: the URI must be absolute (http://host/path) or use CONNECT");
            }
            HostHeaders.requireMatch(request, authority, "request URI's host");
            // Hook: VirtualService http routes (mesh) may send the request elsewhere, or answer it.
            log.requested(authority.host(), authority.port());
            HttpRouting.Outcome routing = authority.ip() != null ? new HttpRouting.Unrouted()
                    : HttpRouting.route(policy, 0, request, authority, authority.hostHeader(80), "http", log);
            if (routing instanceof HttpRouting.Refused r) {
                return r.refuse();
            } else if (routing instanceof HttpRouting.Answered a) {
                // AuthorizationPolicies come before the route's own answer, as Envoy's RBAC filter precedes the router.
                AuthzResult authz = authorize(authority.host(), request);
                return authz.allowed() ? a.answer() : new Route.Refuse(Reason.AUTHZ_DENIED, authz.message());
            }
            Authority target = routing instanceof HttpRouting.Routed routed ? routed.destination() : authority;
            Decision decision = decide(target, authority.host(), request);
            if (!decision.allowed()) {
                return new Route.Refuse(decision.reason(), routing instanceof HttpRouting.Routed routed
                        ? decision.message() + " (the destination of " + routed.actions().name() + ")" : decision.message());
            }
            int servicePort = decision.binding() == null ? target.port() : decision.binding().port().number();
            TlsOrigination tls = target.ip() == null ? policy.origination(target.host(), servicePort) : null;
            if (routing instanceof HttpRouting.Routed routed) {
                return new Route.Forward(decision, target, routed.hostHeader(authority.hostHeader(80)), tls, policy,
                        routed.actions());
            }
            return new Route.Forward(decision, authority, authority.hostHeader(80), tls, policy);
        } catch (HostHeaders.Refused r) {
            return r.route();
        }
    }

    /**
     * Decided on {@code authority} first, then authorized as one HTTP request (a CONNECT's host is its authority).
     *
     * @param authzHost the host the client asked for, which AuthorizationPolicies see (not a route's destination)
     * @param request   the request as the client sent it: its method, path and headers are what policies see
     */
    private Decision decide(Authority authority, String authzHost, HttpRequest request) {
        log.requested(authority.host(), authority.port());
        Decision d = authority.ip() != null ? policy.decideAddress(authority.ip(), authority.port())
                : policy.decideHost(authority.host(), authority.port());
        if (d.allowed()) {
            AuthzResult authz = authorize(authzHost, request);
            if (!authz.allowed()) {
                return Decision.deny(Reason.AUTHZ_DENIED, authz.message());
            }
        }
        log.decided(d);
        return d;
    }

    private AuthzResult authorize(String authzHost, HttpRequest request) {
        return GatewayAuthorization.evaluate(policy, client, null, authzHost, null,
                Optional.of(RequestAttributes.of(request)), log);
    }
}
