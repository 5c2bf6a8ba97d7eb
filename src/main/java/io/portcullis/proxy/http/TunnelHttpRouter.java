package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Plain HTTP inside a CONNECT tunnel: the tunnel was decided on its authority, so each request
 * may only name that host — the Host header (required in HTTP/1.1) and an absolute-form target
 * must match it, else {@code host_mismatch}. This is what stops {@code CONNECT allowed.example}
 * followed by {@code Host: other.example} from reaching another virtual host on the same address.
 */
final class TunnelHttpRouter implements RequestRouter {
    private final EgressPolicy policy;
    private final Decision decision;
    private final Authority authority;
    private final ConnectionLog log;

    TunnelHttpRouter(EgressPolicy policy, Decision decision, Authority authority, ConnectionLog log) {
        this.policy = policy;
        this.decision = decision;
        this.authority = authority;
        this.log = log;
    }

    @Override
    public Route route(HttpRequest request) {
        try {
            if (request.method().equals(HttpMethod.CONNECT)) {
                throw new IllegalArgumentException("CONNECT inside a CONNECT tunnel");
            }
            Authority target = HostHeaders.absoluteFormAuthority(request.uri(), authority.port());
            if (target != null && !target.host().equals(authority.host())) {
                throw new HostHeaders.Refused(Reason.HOST_MISMATCH, "request URI's host "
                        + target.host() + " does not match the CONNECT authority " + authority.host());
            }
            String host = HostHeaders.single(request);
            if (host == null && !request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                throw new IllegalArgumentException("an HTTP/1.1 request needs a Host header");
            }
            HostHeaders.requireMatch(request, authority, "CONNECT authority");
            String hostHeader = host == null ? null : HostHeaders.parse(host, authority.port()).hostHeader(authority.port());
            // Hook: VirtualService http routes (mesh) act on the requests inside the tunnel, which has one upstream.
            HttpRouting.Outcome routing = authority.ip() != null ? new HttpRouting.Unrouted()
                    : HttpRouting.route(policy, 0, request, authority, host == null ? authority.toString() : host, "http", log);
            if (routing instanceof HttpRouting.Refused r) {
                return r.refuse();
            } else if (routing instanceof HttpRouting.Answered a) {
                return a.answer();
            } else if (routing instanceof HttpRouting.Routed routed) {
                Authority to = routed.destination();
                if (!to.host().equals(authority.host()) || to.port() != authority.port()) {
                    String message = routed.actions().name() + " sends this request to " + to + ", which the CONNECT"
                            + " tunnel to " + authority + " cannot reach (send it without CONNECT, as http://"
                            + authority.host() + "/..., to follow the route)";
                    log.refused(Reason.NO_ROUTE, message);
                    return new Route.Refuse(Reason.NO_ROUTE, message);
                }
                // The tunnel's one connection cannot be replaced: no retries on another one.
                return new Route.Forward(decision, authority, routed.hostHeader(hostHeader), null, null,
                        routed.actions().withoutRetries());
            }
            return new Route.Forward(decision, authority, hostHeader, null, null);
        } catch (HostHeaders.Refused r) {
            log.refused(r.route().reason(), r.getMessage());
            return r.route();
        }
    }
}
