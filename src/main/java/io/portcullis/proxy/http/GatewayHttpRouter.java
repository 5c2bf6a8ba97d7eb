package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.AuthzResult;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.telemetry.ConnectionLog;
import java.util.Optional;

/**
 * A plain-HTTP {@code Gateway} server: each request is routed by its Host header, which must be
 * one of the server's hosts and be declared by a ServiceEntry (see
 * {@link EgressPolicy#decideHttpGateway}); TLS is originated when a DestinationRule says so for
 * the entry's port. An absolute-form target must name the same host as the Host header.
 */
final class GatewayHttpRouter implements RequestRouter {
    private final Channel client;
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final ConnectionLog log;

    GatewayHttpRouter(Channel client, EgressPolicy policy, ListenerSpec listener, ConnectionLog log) {
        this.client = client;
        this.policy = policy;
        this.listener = listener;
        this.log = log;
    }

    @Override
    public Route route(HttpRequest request) {
        try {
            if (request.method().equals(HttpMethod.CONNECT)) {
                throw new IllegalArgumentException("CONNECT is served by the explicit proxy, not by a Gateway server");
            }
            String raw = HostHeaders.single(request);
            if (raw == null) {
                throw new IllegalArgumentException("a Host header is required: a Gateway server routes by it");
            }
            Authority host = HostHeaders.parse(raw, listener.port());
            Authority target = HostHeaders.absoluteFormAuthority(request.uri(), listener.port());
            if (target != null && !target.host().equals(host.host())) {
                return new Route.Refuse(Reason.HOST_MISMATCH, "Host " + host.host()
                        + " does not match the request URI's host " + target.host());
            }
            log.requested(host.host(), listener.port());
            if (host.ip() != null) {
                Decision d = Decision.deny(Reason.NOT_GATEWAY_HOST, "Host " + host.host()
                        + " is an IP address; a Gateway server routes by host name");
                log.decided(d);
                return new Route.Refuse(d.reason(), d.message());
            }
            Decision decision = policy.decideHttpGateway(listener, host.host());
            // Hook: VirtualService http routes bound to this Gateway may send the request elsewhere, or answer it.
            HttpRouting.Outcome routing = decision.reason() == Reason.NOT_GATEWAY_HOST ? new HttpRouting.Unrouted()
                    : HttpRouting.route(policy, listener.port(), request, new Authority(host.host(), listener.port(), null),
                    raw, "http", log);
            if (routing instanceof HttpRouting.Refused r) {
                return r.refuse();
            } else if (routing instanceof HttpRouting.Answered a) {
                // AuthorizationPolicies come before the route's own answer, as Envoy's RBAC filter precedes the router.
                AuthzResult authz = GatewayAuthorization.evaluate(policy, client, null, host.host(), null,
                        Optional.of(RequestAttributes.of(request)), log);
                return authz.allowed() ? a.answer() : new Route.Refuse(Reason.AUTHZ_DENIED, authz.message());
            } else if (routing instanceof HttpRouting.Routed routed) {
                decision = policy.decideHost(routed.destination().host(), routed.destination().port());
            }
            if (decision.allowed()) {
                AuthzResult authz = GatewayAuthorization.evaluate(policy, client, null, host.host(), null,
                        Optional.of(RequestAttributes.of(request)), log);
                if (!authz.allowed()) {
                    return new Route.Refuse(Reason.AUTHZ_DENIED, authz.message());
                }
            }
            log.decided(decision);
            if (!decision.allowed()) {
                return new Route.Refuse(decision.reason(), decision.message());
            }
            boolean explicitPort = Authority.utf8(raw).lastIndexOf(':') > Authority.utf8(raw).lastIndexOf(']');
            String hostHeader = explicitPort ? host.toString() : host.hostForHeader();
            if (routing instanceof HttpRouting.Routed routed) {
                Authority to = routed.destination();
                int servicePort = decision.binding() == null ? to.port() : decision.binding().port().number();
                return new Route.Forward(decision, new Authority(to.host(), servicePort, null),
                        routed.hostHeader(hostHeader), policy.origination(to.host(), servicePort), policy, routed.actions());
            }
            int servicePort = decision.binding() == null ? listener.port() : decision.binding().port().number();
            return new Route.Forward(decision, new Authority(host.host(), servicePort, null),
                    hostHeader, policy.origination(host.host(), servicePort), policy);
        } catch (HostHeaders.Refused r) {
            return r.route();
        }
    }
}
