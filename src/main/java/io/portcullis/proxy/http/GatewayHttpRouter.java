package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Admission;
import io.portcullis.policy.AuthzResult;
import io.portcullis.policy.Facts;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.telemetry.ConnectionLog;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A plain-HTTP {@code Gateway} server: each request's facts, with its Host header, are admitted
 * ({@link Admission#admit}): the Host must be one of the server's hosts and be declared by a
 * ServiceEntry, and the request is authorized on its method, path and headers; TLS is originated
 * when the verdict says so (a DestinationRule for the entry's port). An absolute-form target must
 * name the same host as the Host header. Behind a TLS-terminating server ({@code OPTIONAL_MUTUAL})
 * the caller's certificate identity, when it showed one, is the peer, and the Host must name the
 * host the TLS connection was set up for ({@link MisdirectedRequest}).
 */
final class GatewayHttpRouter implements RequestRouter {
    private final Channel client;
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final @Nullable String peer;
    private final @Nullable String serverName;
    private final ConnectionLog log;

    /**
     * @param peer       the caller's verified SPIFFE ID or principal; null without a certificate
     * @param serverName the SNI of the TLS connection the requests arrive on; null for plain HTTP or no SNI
     */
    GatewayHttpRouter(Channel client, EgressPolicy policy, ListenerSpec listener, @Nullable String peer,
                      @Nullable String serverName, ConnectionLog log) {
        this.client = client;
        this.policy = policy;
        this.listener = listener;
        this.peer = peer;
        this.serverName = serverName;
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
            // Hook (issue 14): a request for another host than the TLS connection's SNI is misdirected (421).
            Optional<Route.Refuse> misdirected = MisdirectedRequest.check(serverName, host.host());
            if (misdirected.isPresent()) {
                return misdirected.get();
            }
            Facts facts = RequestFacts.add(ChannelFacts.of(ListenerKind.HTTP_GATEWAY, listener, client), request)
                    .host(RequestFacts.hostPort(host)).peer(peer).build();
            Verdict verdict = Admission.admit(policy, facts);
            boolean explicitPort = Authority.utf8(raw).lastIndexOf(':') > Authority.utf8(raw).lastIndexOf(']');
            String hostHeader = explicitPort ? host.toString() : host.hostForHeader();
            // Hook: VirtualService http routes bound to this Gateway may send the request elsewhere, or
            // answer it; never for a Host the Gateway does not serve, nor for a caller refused as such.
            HttpRouting.Outcome routing = verdict.reason() == Reason.NOT_GATEWAY_HOST
                    || verdict.reason() == Reason.AUTHZ_DENIED ? new HttpRouting.Unrouted()
                    : HttpRouting.route(policy, listener.port(), request, new Authority(host.host(), listener.port(), null),
                    raw, "http", log);
            if (routing instanceof HttpRouting.Refused r) {
                return r.refuse();
            } else if (routing instanceof HttpRouting.Answered a) {
                // AuthorizationPolicies come before the route's own answer, as Envoy's RBAC filter precedes the router.
                AuthzResult authz = Admission.authorize(policy, facts);
                if (!authz.allowed()) {
                    log.refused(Reason.AUTHZ_DENIED, authz.message(), authz.policy());
                    return new Route.Refuse(Reason.AUTHZ_DENIED, authz.message());
                }
                return a.answer();
            } else if (routing instanceof HttpRouting.Routed routed) {
                // The Host's admission above said whether routes apply; the route's destination is a new question
                // (is it declared, how is it reached), which Admission answers for the request's own facts.
                Authority to = routed.destination();
                Verdict toVerdict = Admission.admit(policy, facts.toBuilder().routedTo(routed.routedTo()).build());
                log.decided(toVerdict);
                if (!(toVerdict instanceof Verdict.Forward forward)) {
                    return new Route.Refuse(toVerdict.reason(), toVerdict.message() + " (the destination of "
                            + routed.actions().name() + ")");
                }
                int servicePort = forward.servicePort(to.port());
                return new Route.Forward(forward, new Authority(to.host(), servicePort, null), routed.hostHeader(hostHeader),
                        policy, routed.actions());
            }
            log.decided(verdict);
            if (!(verdict instanceof Verdict.Forward forward)) {
                return new Route.Refuse(verdict.reason(), verdict.message());
            }
            int servicePort = forward.servicePort(listener.port());
            return new Route.Forward(forward, new Authority(host.host(), servicePort, null), hostHeader, policy);
        } catch (HostHeaders.Refused r) {
            return r.route();
        }
    }
}
