package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Plain HTTP the sidecar captured (iptables sent the app's connection to {@code original}): every
 * request is admitted on its own ({@link ListenerKind#SIDECAR_CAPTURE}, with its Host, method, path
 * and headers), so the Host of the second request of a keep-alive connection is judged as the first
 * one's was: it must be declared, and the verdict owes the check that it resolves to the original
 * destination (the spoofing defence), which {@link CapturedUpstreams} carries out per Host. The
 * VirtualService http routes bound to {@code mesh} apply, as in Istio's sidecar: a route may answer
 * the request, act on it (rewrite, headers, fault, timeout, retries) and send it elsewhere, such as
 * the egress gateway (with the DestinationRule TLS of its subset and port, e.g. ISTIO_MUTUAL). An
 * absolute-form target must name the Host's host; HTTP/1.0 without a Host is decided by the address.
 * Runs on the client's event loop.
 */
final class SidecarHttpRouter implements RequestRouter {
    private final Channel client;
    private final InetSocketAddress original;
    private final EgressPolicy policy;
    private final ConnectionLog log;

    /** @param original where the app connected before the capture redirected it */
    SidecarHttpRouter(Channel client, InetSocketAddress original, EgressPolicy policy, ConnectionLog log) {
        this.client = client;
        this.original = original;
        this.policy = policy;
        this.log = log;
    }

    @Override
    public Route route(HttpRequest request) {
        try {
            if (request.method().equals(HttpMethod.CONNECT)) {
                throw new IllegalArgumentException("CONNECT to a captured destination: the app is not talking to a proxy");
            }
            int port = original.getPort();
            String raw = HostHeaders.singleRequired(request);
            Authority host = raw == null ? null : HostHeaders.parse(raw, port);
            Authority target = HostHeaders.absoluteFormAuthority(request.uri(), port);
            if (target != null && (host == null || !target.host().equals(host.host()))) {
                return refuse(Reason.HOST_MISMATCH, "the request URI's host " + target.host()
                        + (host == null ? " without a Host header" : " does not match Host " + host.host()));
            }
            // A Host that is an address names no entry: the request is decided by where the app connected.
            String name = host == null || host.ip() != null ? null : host.host();
            Facts.Builder facts = RequestFacts.add(ChannelFacts.of(ListenerKind.SIDECAR_CAPTURE, port, client), request)
                    .originalDestination(original).host(name == null ? null : HostPort.ofName(name, port));
            // The Host as the app wrote it (with its port only when it gave one), for the upstream.
            boolean explicitPort = raw != null && Authority.utf8(raw).lastIndexOf(':') > Authority.utf8(raw).lastIndexOf(']');
            String hostHeader = host == null ? null : explicitPort ? host.toString() : host.hostForHeader();
            HttpRouting.Outcome routing = name == null ? new HttpRouting.Unrouted()
                    : HttpRouting.route(policy, 0, request, new Authority(name, port, null), raw, "http", log);
            if (routing instanceof HttpRouting.Refused r) {
                return r.refuse();
            } else if (routing instanceof HttpRouting.Answered a) {
                return a.answer();
            } else if (routing instanceof HttpRouting.Routed routed) {
                Authority to = routed.destination();
                Verdict verdict = admit(facts.routedTo(routed.routedTo()));
                if (!(verdict instanceof Verdict.Forward forward)) {
                    return new Route.Refuse(verdict.reason(), verdict.message() + " (the destination of "
                            + routed.actions().name() + ")");
                }
                return new Route.Forward(forward, to, routed.hostHeader(hostHeader(hostHeader, to)), policy,
                        routed.actions());
            }
            Verdict verdict = admit(facts);
            if (!(verdict instanceof Verdict.Forward forward)) {
                return new Route.Refuse(verdict.reason(), verdict.message());
            }
            Authority to = new Authority(name == null ? original.getAddress().getHostAddress() : name,
                    forward.servicePort(port), name == null ? original.getAddress() : null);
            return new Route.Forward(forward, to, hostHeader(hostHeader, to), policy);
        } catch (HostHeaders.Refused r) {
            log.refused(r.route().reason(), r.getMessage());
            return r.route();
        }
    }

    private Verdict admit(Facts.Builder facts) {
        Verdict verdict = Admission.admit(policy, facts.build());
        log.decided(verdict);
        return verdict;
    }

    private Route refuse(Reason reason, String message) {
        log.refused(reason, message);
        return new Route.Refuse(reason, message);
    }

    /** The Host the upstream gets: the app's own, else (HTTP/1.0 without one) the destination's. */
    private static String hostHeader(@Nullable String fromApp, Authority to) {
        return fromApp != null ? fromApp : to.hostHeader(80);
    }
}
