package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Plain HTTP inside a CONNECT tunnel: the tunnel was decided on its authority, so each request
 * may only name that host — the Host header (required in HTTP/1.1) and an absolute-form target
 * must match it, else {@code host_mismatch}. This is what stops {@code CONNECT allowed.example}
 * followed by {@code Host: other.example} from reaching another virtual host on the same address.
 * Each request's facts are then admitted on the tunnel's authority ({@link ListenerKind#TUNNEL_HTTP}),
 * so it is authorized on its own method, path and headers (AuthorizationPolicy).
 */
final class TunnelHttpRouter implements RequestRouter {
    private final Verdict.Forward verdict;
    private final Authority authority;
    private final Channel client;
    private final EgressPolicy policy;
    private final ConnectionLog log;

    /**
     * @param policy the snapshot the tunnel was decided on: it judges each request, and its
     *               VirtualService http routes act on it
     */
    TunnelHttpRouter(Verdict.Forward verdict, Authority authority, Channel client, EgressPolicy policy,
                     ConnectionLog log) {
        this.verdict = verdict;
        this.authority = authority;
        this.client = client;
        this.policy = policy;
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
                throw new HostHeaders.Refused(io.portcullis.policy.Reason.HOST_MISMATCH, "request URI's host "
                        + target.host() + " does not match the CONNECT authority " + authority.host());
            }
            String host = HostHeaders.singleRequired(request);
            HostHeaders.requireMatch(request, authority, "CONNECT authority");
            String hostHeader = host == null ? null : HostHeaders.parse(host, authority.port()).hostHeader(authority.port());
            Verdict onItsOwn = Admission.admit(policy, RequestFacts.add(ChannelFacts.of(ListenerKind.TUNNEL_HTTP, client),
                    request).authority(RequestFacts.hostPort(authority)).build());
            log.decided(onItsOwn);
            if (!onItsOwn.allowed()) {
                return new Route.Refuse(onItsOwn.reason(), onItsOwn.message());
            }
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
                return new Route.Forward(verdict, authority, routed.hostHeader(hostHeader), null,
                        routed.actions().withoutRetries());
            }
            // Carried over the tunnel's upstream, as the tunnel's verdict said.
            return new Route.Forward(verdict, authority, hostHeader, null);
        } catch (HostHeaders.Refused r) {
            log.refused(r.route().reason(), r.getMessage());
            return r.route();
        }
    }
}
