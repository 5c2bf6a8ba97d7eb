package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Admission;
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
                Verdict verdict = admit(ListenerKind.EXPLICIT_CONNECT, authority, request);
                return verdict instanceof Verdict.Forward f ? new Route.Tunnel(f, authority)
                        : new Route.Refuse(verdict.reason(), verdict.message());
            }
            Authority authority = HostHeaders.absoluteFormAuthority(request.uri(), 80);
            if (authority == null) {
                throw new IllegalArgumentException("not a proxy request: the URI must be absolute (http://host/path) or use CONNECT");
            }
            HostHeaders.requireMatch(request, authority, "request URI's host");
            Verdict verdict = admit(ListenerKind.EXPLICIT_HTTP, authority, request);
            return verdict instanceof Verdict.Forward f ? new Route.Forward(f, authority, authority.hostHeader(80), policy)
                    : new Route.Refuse(verdict.reason(), verdict.message());
        } catch (HostHeaders.Refused r) {
            return r.route();
        }
    }

    private Verdict admit(ListenerKind kind, Authority authority, HttpRequest request) {
        Verdict verdict = Admission.admit(policy, RequestFacts.add(ChannelFacts.of(kind, client), request)
                .authority(RequestFacts.hostPort(authority)).build());
        log.decided(verdict);
        return verdict;
    }
}
