package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.Cidr;
import io.portcullis.policy.Verdict.Forward;
import io.portcullis.policy.Verdict.Refusal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one decision of the data plane: {@link #admit} takes what a listener saw ({@link Facts}) and
 * answers one {@link Verdict}, for every listener kind of both roles; {@code check} and
 * {@code diff} ask the same function. In one order for every kind:
 * <ol>
 *   <li>the destination, by the listener kind's own lookup (CONNECT authority, SNI, Host, tcp
 *       route, the sidecar's original destination), or for an HTTP request a VirtualService http
 *       route sends on, at the route's destination ({@link Facts#routedTo}, read in one place:
 *       {@link #routed}): a refusal names the first missing declaration;</li>
 *   <li>the AuthorizationPolicies (gateway role only), on what would be forwarded;</li>
 *   <li>for a forward: TLS origination, the sidecar's upstream TLS, and the checks still owed once
 *       bytes arrive.</li>
 * </ol>
 * Pure, O(length of the keys), never blocks: called on event loops. Before a caller's identity is
 * known, {@link #refusalForEveryCaller} tells the refusals that cannot depend on it.
 */
public final class Admission {
    private Admission() {
    }

    public static Verdict admit(EgressPolicy policy, Facts facts) {
        Optional<RoutedDestination> route = facts.routedTo();
        Verdict v = route.isPresent() ? routed(policy, facts, route.get()) : switch (facts.kind()) {
            case EXPLICIT_CONNECT, EXPLICIT_HTTP, TUNNEL_HTTP -> explicit(policy, facts);
            case TLS_PASSTHROUGH -> passthrough(policy, facts);
            case TCP -> tcp(policy, facts);
            case HTTP_GATEWAY -> httpGateway(policy, facts);
            case MUTUAL_TLS -> mutualTls(policy, facts);
            case SIDECAR_CAPTURE -> sidecar(policy, facts, Optional.empty());
        };
        if (v instanceof Forward f && facts.kind().authorizes()) {
            AuthzResult authz = policy.authorize(authzRequest(facts));
            if (!authz.allowed()) {
                return new Refusal(Reason.AUTHZ_DENIED, authz.message(), Optional.ofNullable(authz.policy()),
                        f.requested(), authz.dryRun());
            }
            v = new Forward(f.reason(), f.message(), f.target(), f.matched(), f.origination(), f.upstreamTls(),
                    f.route(), f.viaGateway(), f.owed(), authz, f.requested(), f.routedTo(), f.upstreamSettings());
        }
        if (v instanceof Forward f) {
            // The DestinationRule settings of this snapshot go with the verdict: a configuration applied
            // between the decision and the connect does not change how this connection is made.
            return f.withUpstreamSettings(policy.upstreamSettings(f));
        }
        return v;
    }

    /**
     * The refusal that holds whoever the caller turns out to be, for facts gathered before its
     * identity is known (a mutual-TLS ClientHello's SNI, before the handshake): a name no Gateway
     * server on the port serves. Empty when only {@link #admit}, with the identity, can tell: the
     * caller's namespace may see entries this gateway's own does not (exportTo).
     */
    public static Optional<Refusal> refusalForEveryCaller(EgressPolicy policy, Facts facts) {
        ListenerSpec listener = listener(facts);
        Optional<String> sni = facts.sni();
        if (sni.isEmpty()) {
            return Optional.empty();
        }
        Decision d = EgressPolicy.notGatewayHost(listener, "SNI", HostNames.normalize(sni.get()));
        return d == null ? Optional.empty() : Optional.of(refusal(d, Optional.of(HostPort.ofName(sni.get(), listener.port()))));
    }

    /**
     * An HTTP request a VirtualService http route sends on: decided at {@code to}, the route's
     * destination, as {@link RoutedDestination} says for each listener kind; a route opens no way out
     * the ServiceEntries do not. The access log names the destination; AuthorizationPolicies see what
     * the client asked for ({@link #authzRequest}).
     */
    private static Verdict routed(EgressPolicy policy, Facts facts, RoutedDestination to) {
        return switch (facts.kind()) {
            case EXPLICIT_HTTP -> byName(policy, facts, to.hostPort());
            case HTTP_GATEWAY -> httpGatewayRouted(policy, facts, to);
            case SIDECAR_CAPTURE -> sidecar(policy, facts, Optional.of(to));
            case EXPLICIT_CONNECT, TUNNEL_HTTP, TLS_PASSTHROUGH, TCP, MUTUAL_TLS -> throw new IllegalArgumentException(
                    facts.kind() + " listeners follow no http route to another destination (" + to + ")");
        };
    }

    /** The explicit proxy, by the CONNECT authority or the absolute URI's (the tunnel's, for HTTP inside one). */
    private static Verdict explicit(EgressPolicy policy, Facts facts) {
        return byName(policy, facts, required(facts.authority(), facts, "authority"));
    }

    /**
     * A destination named by host or address (the explicit proxy's authority, an http route's
     * destination), decided for the caller's namespace; a CONNECT owes the tunnel's name check, a
     * plain-HTTP request by name gets TLS originated as its DestinationRule says.
     */
    private static Verdict byName(EgressPolicy policy, Facts facts, HostPort a) {
        Optional<HostPort> requested = Optional.of(a);
        String ns = namespace(policy, facts);
        Decision d = a.address().isPresent() ? policy.decideAddress(a.address().get(), a.port(), ns)
                : policy.decideHost(a.host(), a.port(), ns);
        if (!d.allowed()) {
            return refusal(d, requested);
        }
        List<OwedCheck> owed = new ArrayList<>();
        Optional<TlsOrigination> origination = Optional.empty();
        if (facts.kind() == ListenerKind.EXPLICIT_CONNECT) {
            // Where the port is opaque TCP neither an SNI nor a Host names the destination: nothing to hold it to.
            if (d.binding() == null || !d.binding().port().protocol().isOpaqueTcp()) {
                owed.add(new OwedCheck.TunnelNamesAuthority(a.host(), a.port()));
            }
        } else if ((facts.kind() == ListenerKind.EXPLICIT_HTTP || facts.kind() == ListenerKind.HTTP_GATEWAY)
                && a.address().isEmpty()) {
            int servicePort = d.binding() == null ? a.port() : d.binding().port().number();
            origination = Optional.ofNullable(policy.origination(a.host(), servicePort));
        }
        return forward(d, origination, owed, requested);
    }

    private static Verdict passthrough(EgressPolicy policy, Facts facts) {
        ListenerSpec listener = listener(facts);
        String sni = required(facts.sni(), facts, "SNI");
        Optional<HostPort> requested = Optional.of(HostPort.ofName(sni, listener.port()));
        Decision d = policy.decideSni(listener, sni, localBytes(facts));
        return d.allowed() ? forward(d, Optional.empty(), List.of(), requested) : refusal(d, requested);
    }

    private static Verdict tcp(EgressPolicy policy, Facts facts) {
        Decision d = policy.decideTcp(listener(facts), localBytes(facts));
        return d.allowed() ? forward(d, Optional.empty(), List.of(), Optional.empty()) : refusal(d, Optional.empty());
    }

    private static Verdict httpGateway(EgressPolicy policy, Facts facts) {
        ListenerSpec listener = listener(facts);
        HostPort host = required(facts.host(), facts, "Host");
        Optional<HostPort> requested = gatewayRequested(host, listener);
        Optional<Refusal> address = addressHost(host, listener);
        if (address.isPresent()) {
            return address.get();
        }
        // A caller with an identity (the mutual-TLS hop, OPTIONAL_MUTUAL) is scoped by its namespace.
        Decision d = policy.decideHttpGateway(listener, host.host(), namespace(policy, facts));
        if (!d.allowed()) {
            return refusal(d, requested);
        }
        int servicePort = d.binding() == null ? listener.port() : d.binding().port().number();
        return forward(d, Optional.ofNullable(policy.origination(host.host(), servicePort)), List.of(), requested);
    }

    /** A Gateway server's request an http route bound to it sends on: the server must still serve the Host. */
    private static Verdict httpGatewayRouted(EgressPolicy policy, Facts facts, RoutedDestination to) {
        ListenerSpec listener = listener(facts);
        HostPort host = required(facts.host(), facts, "Host");
        Optional<Refusal> address = addressHost(host, listener);
        if (address.isPresent()) {
            return address.get();
        }
        Decision notServed = EgressPolicy.notGatewayHost(listener, "Host", HostNames.normalize(host.host()));
        return notServed != null ? refusal(notServed, gatewayRequested(host, listener)) : byName(policy, facts, to.hostPort());
    }

    /** A Gateway server routes by host name: a Host that is an address is refused. */
    private static Optional<Refusal> addressHost(HostPort host, ListenerSpec listener) {
        if (host.address().isEmpty() && Cidr.literalBytes(host.host()) == null) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(Reason.NOT_GATEWAY_HOST, "Host " + host.host()
                + " is an IP address; a Gateway server routes by host name", Optional.empty(),
                gatewayRequested(host, listener)));
    }

    /** What a Gateway server's request asked for: its Host, on the listener's port. */
    private static Optional<HostPort> gatewayRequested(HostPort host, ListenerSpec listener) {
        return Optional.of(HostPort.ofName(host.host(), listener.port()));
    }

    private static Verdict mutualTls(EgressPolicy policy, Facts facts) {
        ListenerSpec listener = listener(facts);
        Optional<String> sni = facts.sni();
        Optional<HostPort> requested = sni.map(s -> HostPort.ofName(s, listener.port()));
        // The caller's namespace (from its SPIFFE ID) scopes what it reaches: exportTo, its Sidecar.
        Decision d = policy.decideMutualTls(listener, sni.orElse(null), localBytes(facts), namespace(policy, facts));
        if (!d.allowed()) {
            return refusal(d, requested);
        }
        // The announced SNI decided; where the destination speaks TLS, the app's own ClientHello must agree.
        boolean innerTls = sni.isPresent() && d.binding() != null && d.binding().port().protocol().isTls();
        List<OwedCheck> owed = innerTls ? List.of(new OwedCheck.InnerSniEquals(HostNames.normalize(sni.get())))
                : List.of();
        return forward(d, Optional.empty(), owed, requested);
    }

    /** A connection the sidecar captured, or one HTTP request of it, which a mesh http route may send on ({@code route}). */
    private static Verdict sidecar(EgressPolicy policy, Facts facts, Optional<RoutedDestination> route) {
        InetSocketAddress original = required(facts.originalDestination(), facts, "original destination");
        String name = facts.sni().orElse(facts.host().map(HostPort::host).orElse(null));
        Optional<HostPort> requested = Optional.of(name != null ? HostPort.ofName(name, original.getPort())
                : new HostPort(AddressText.address(original.getAddress()), original.getPort(),
                        Optional.of(original.getAddress())));
        SidecarDecision d = policy.sidecar().decide(original.getAddress(), original.getPort(), name,
                facts.sni().isPresent(), facts.http().isPresent(), route);
        if (!d.allowed()) {
            return new Refusal(d.reason(), d.message(), Optional.empty(), requested);
        }
        List<OwedCheck> owed = d.checkName() == null ? List.of() : List.of(new OwedCheck.NameResolvesTo(
                d.checkName(), original.getAddress(), Optional.ofNullable(d.checkAddresses()), d.mismatch()));
        Optional<Verdict.UpstreamTls> tls = Optional.ofNullable(d.tls())
                .map(t -> new Verdict.UpstreamTls(t, Optional.ofNullable(d.tlsSni())));
        return new Forward(d.reason(), d.message(), d.upstream(), Optional.ofNullable(d.binding()), Optional.empty(),
                tls, Optional.ofNullable(d.route()), d.viaGateway(), owed, AuthzResult.NO_POLICY, requested,
                Optional.ofNullable(d.routedTo()), Optional.empty());
    }

    /**
     * The namespace whose exportTo and Sidecar scope the caller: the one its facts name (its
     * identity's), else this instance's own, as for callers without one.
     */
    private static @Nullable String namespace(EgressPolicy policy, Facts facts) {
        Optional<String> ns = facts.callerNamespace();
        return ns.isPresent() ? ns.get() : policy.ownNamespace();
    }

    /**
     * The AuthorizationPolicies' verdict alone, for a request the gateway answers itself (a
     * VirtualService http route's redirect or direct response): no upstream is decided for it.
     */
    public static AuthzResult authorize(EgressPolicy policy, Facts facts) {
        return policy.authorize(authzRequest(facts));
    }

    /**
     * What a connection tells the AuthorizationPolicies: the caller (principal, source address), the
     * listener's address and port as the destination, the host it named and its SNI, and for an HTTP
     * request its method, path and headers (a CONNECT is one, without a path); a TCP or TLS
     * connection has none, so Istio's rule for HTTP-only fields applies. The one place where facts
     * become an {@link AuthzRequest}.
     */
    private static AuthzRequest authzRequest(Facts facts) {
        Optional<Facts.Peer> peer = facts.peer();
        // The name the client asked for: its SNI, else its Host (which a VirtualService http route may
        // have sent to another authority: policies see what was asked for), else the authority.
        String host = facts.sni().or(() -> facts.host().map(HostPort::host))
                .or(() -> facts.authority().map(HostPort::host)).orElse(null);
        String sni = facts.kind() == ListenerKind.TLS_PASSTHROUGH || facts.kind() == ListenerKind.MUTUAL_TLS
                ? facts.sni().orElse(null) : null;
        AuthzRequest request = new AuthzRequest(peer.map(Facts.Peer::principal).orElse(null),
                peer.flatMap(Facts.Peer::namespace).orElse(null),
                facts.remote().map(InetSocketAddress::getAddress).orElse(null),
                facts.local().map(InetSocketAddress::getAddress).orElse(null),
                facts.local().map(InetSocketAddress::getPort).orElse(facts.port()), host, sni);
        return facts.http().map(h -> request.withHttp(attributes(h))).orElse(request);
    }

    /** An HTTP request as AuthorizationPolicies match it: a CONNECT has no {@code :path}, as in Envoy. */
    private static HttpAttributes attributes(Facts.Http http) {
        HttpAttributes.Headers headers = name -> http.headers().all(name);
        return http.method().equals("CONNECT") ? new HttpAttributes(http.method(), null, headers)
                : HttpAttributes.of(http.method(), http.path(), headers);
    }

    private static Forward forward(Decision d, Optional<TlsOrigination> origination, List<OwedCheck> owed,
                                   Optional<HostPort> requested) {
        return new Forward(d.reason(), d.message(), d.upstream(), Optional.ofNullable(d.binding()), origination,
                Optional.empty(), Optional.empty(), false, owed, AuthzResult.NO_POLICY, requested);
    }

    private static Refusal refusal(Decision d, Optional<HostPort> requested) {
        return new Refusal(d.reason(), d.message(), Optional.empty(), requested);
    }

    private static ListenerSpec listener(Facts facts) {
        return required(facts.listener(), facts, "Gateway listener");
    }

    private static byte[] localBytes(Facts facts) {
        return facts.local().map(a -> a.getAddress().getAddress()).orElse(null);
    }

    private static <T> T required(Optional<T> fact, Facts facts, String what) {
        return fact.orElseThrow(() -> new IllegalArgumentException(
                "a " + facts.kind() + " listener gathers the " + what + " before it asks for a verdict"));
    }

    /** An address literal as an {@link InetAddress}, without a lookup; empty for a name. */
    public static Optional<InetAddress> literal(String host) {
        return Optional.ofNullable(ConnectionReplay.literal(host));
    }
}
