package io.portcullis.policy;

import io.portcullis.model.Gateway;
import io.portcullis.model.AddressText;
import io.portcullis.model.Problem;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import io.portcullis.model.VirtualService.Destination;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One immutable, compiled configuration snapshot: what the data plane consults, once per
 * connection, to decide where a connection may go. Built off the event loop by {@link #compile};
 * every lookup is O(length of the key) and never blocks, so it is safe on an event loop.
 */
public final class EgressPolicy {
    private final ResourceSet resources;
    private final OutboundPolicy outboundPolicy;
    private final ServiceEntryIndex index;
    private final NamespaceScope scope;
    private final @Nullable String ownNamespace;
    private final GatewayRouter router;
    private final HttpRouteTable httpRoutes;
    private final DestinationRuleIndex destinationRules;
    private final TrafficPolicyIndex trafficPolicies;
    private final Authorizer authorizer;
    private final SidecarPolicy sidecar;
    private final List<ListenerSpec> listeners;
    private final Map<Integer, ListenerSpec> listenersByPort;
    private final List<Problem> notes;
    private final List<Gateway> unselected;

    private EgressPolicy(ResourceSet resources, OutboundPolicy outboundPolicy, GatewayLabels labels,
                         @Nullable String ownNamespace) {
        this.resources = resources;
        this.outboundPolicy = outboundPolicy;
        this.index = new ServiceEntryIndex(resources.serviceEntries());
        this.scope = new NamespaceScope(resources, index, outboundPolicy);
        this.ownNamespace = ownNamespace;
        // Only the Gateways whose selector matches this instance open listeners and carry routes here.
        List<Gateway> served = resources.gateways().stream().filter(g -> labels.selects(g.selector())).toList();
        this.unselected = resources.gateways().stream().filter(g -> !labels.selects(g.selector())).toList();
        // Routes and TLS settings: those exported to this instance's namespace, as an Istio gateway reads them.
        List<io.portcullis.model.VirtualService> virtualServices = NamespaceScope.virtualServices(resources, ownNamespace);
        this.router = new GatewayRouter(served, virtualServices);
        this.httpRoutes = new HttpRouteTable(served, virtualServices);
        this.destinationRules = new DestinationRuleIndex(NamespaceScope.destinationRules(resources, ownNamespace));
        this.trafficPolicies = new TrafficPolicyIndex(destinationRules, NamespaceScope.destinationRules(resources, ownNamespace));
        this.authorizer = new Authorizer(resources.authorizationPolicies());
        this.sidecar = new SidecarPolicy(resources, scope, ownNamespace);
        List<Problem> found = new ArrayList<>(scope.notes());
        this.listeners = ListenerPlanner.plan(resources, served, found);
        this.listenersByPort = listeners.stream().collect(Collectors.toUnmodifiableMap(ListenerSpec::port, Function.identity()));
        this.notes = List.copyOf(found);
    }

    /** Compiles a validated resource set for an instance without labels (it serves every Gateway). */
    public static EgressPolicy compile(ResourceSet resources, OutboundPolicy outboundPolicy) {
        return compile(resources, outboundPolicy, GatewayLabels.unset());
    }

    /** Compiles a validated resource set for an instance with {@code labels}: see {@link GatewayLabels}. */
    public static EgressPolicy compile(ResourceSet resources, OutboundPolicy outboundPolicy, GatewayLabels labels) {
        return new EgressPolicy(resources, outboundPolicy, labels, null);
    }

    /**
     * As {@link #compile(ResourceSet, OutboundPolicy, GatewayLabels)} for an instance in namespace
     * {@code ownNamespace} (its mesh identity's): callers without a namespace of their own (the
     * explicit proxy, passthrough, HTTP and TCP listeners, the sidecar's app) are scoped to it.
     * Null: they see only what is exported to every namespace, through the root Sidecar.
     */
    public static EgressPolicy compile(ResourceSet resources, OutboundPolicy outboundPolicy, GatewayLabels labels,
                                       @Nullable String ownNamespace) {
        return new EgressPolicy(resources, outboundPolicy, labels, ownNamespace);
    }

    public static EgressPolicy empty(OutboundPolicy outboundPolicy) {
        return compile(ResourceSet.EMPTY, outboundPolicy);
    }

    public ResourceSet resources() {
        return resources;
    }

    public OutboundPolicy outboundPolicy() {
        return outboundPolicy;
    }

    /** This instance's namespace, which callers without one are scoped to; null when it has none. */
    public @Nullable String ownNamespace() {
        return ownNamespace;
    }

    /** The namespace scoping (exportTo, Sidecar) of this configuration. */
    public NamespaceScope namespaces() {
        return scope;
    }

    /** The Sidecar that applies to callers from {@code namespace}, if any; for {@code check}. */
    public java.util.Optional<io.portcullis.model.ResourceId> sidecarFor(@Nullable String namespace) {
        return scope.view(namespace).sidecar();
    }

    /** The gateway listeners to open, one per port. */
    public List<ListenerSpec> listeners() {
        return listeners;
    }

    /** The listener on {@code port}, or null when none is configured now. */
    public ListenerSpec listener(int port) {
        return listenersByPort.get(port);
    }

    /** Warnings found while compiling (e.g. servers this version does not serve). */
    /** The Gateways whose selector does not match this instance's labels: no listener, no routes here. */
    public List<Gateway> unselectedGateways() {
        return unselected;
    }

    public List<Problem> notes() {
        return notes;
    }

    /** The VirtualService http routes of this configuration, for every listener that parses HTTP. */
    public HttpRouteTable httpRoutes() {
        return httpRoutes;
    }

    /** What the sidecar role does with captured connections under this configuration. */
    public SidecarPolicy sidecar() {
        return sidecar;
    }

    /** The AuthorizationPolicies of this configuration, evaluated at gateway listeners. */
    Authorizer authorizer() {
        return authorizer;
    }

    /**
     * The AuthorizationPolicies' verdict on one connection: the one function the listeners and
     * {@code check} both call. Costs nothing when no policy is configured.
     */
    AuthzResult authorize(AuthzRequest request) {
        return authorizer.isEmpty() ? AuthzResult.NO_POLICY : authorizer.evaluate(request);
    }

    /**
     * Whether a ServiceEntry this instance's own namespace sees declares {@code destination} (a host
     * name or an IP literal) on {@code port}: what {@code suggest} leaves out. A question about the
     * configuration, not about a connection: connections are decided by {@link Admission#admit} only.
     */
    public boolean declares(String destination, int port) {
        InetAddress address = ConnectionReplay.literal(destination);
        Decision d = address != null ? decideAddress(address, port) : decideHost(destination, port);
        return d.reason() == Reason.DECLARED;
    }

    /*
     * The per-kind lookups below are package-private on purpose: Admission.admit is the one way in for
     * a connection (it adds authorization, origination and the owed checks), so nothing outside this
     * package can decide a connection by a lookup alone.
     */

    /** Explicit proxy by name: CONNECT authority or absolute-URI host. {@code host} is normalised here. */
    Decision decideHost(String host, int port) {
        return decideHost(host, port, ownNamespace);
    }

    /** As {@link #decideHost(String, int)} for a caller from {@code namespace} (null: none known). */
    Decision decideHost(String host, int port, @Nullable String namespace) {
        String h = HostNames.normalize(host);
        NamespaceView view = scope.view(namespace);
        PortBinding binding = view.index().byHost(h, port);
        if (binding != null) {
            return allow(binding, UpstreamPlanner.plan(binding, h, null, false));
        }
        return undeclared(h, null, port, UpstreamTarget.ofName(h, port), view, namespace);
    }

    /** Explicit proxy by IP literal: longest-prefix match over entry addresses. */
    Decision decideAddress(InetAddress address, int port) {
        return decideAddress(address, port, ownNamespace);
    }

    /** As {@link #decideAddress(InetAddress, int)} for a caller from {@code namespace} (null: none known). */
    Decision decideAddress(InetAddress address, int port, @Nullable String namespace) {
        NamespaceView view = scope.view(namespace);
        PortBinding binding = view.index().byAddress(address.getAddress(), port);
        if (binding != null) {
            return allow(binding, UpstreamPlanner.plan(binding, null, address, false));
        }
        return undeclared(AddressText.address(address), address.getAddress(), port,
                UpstreamTarget.ofAddress(address, port), view, namespace);
    }

    /**
     * A TLS passthrough listener: the SNI must be a host of the Gateway servers on this port and
     * of a ServiceEntry; the bound tls route (if any) says which host and port to forward to.
     */
    Decision decideSni(ListenerSpec listener, String sni, byte[] localAddress) {
        String h = HostNames.normalize(sni);
        Decision byGateway = bySniRoute(listener, h, localAddress, ownNamespace);
        if (byGateway != null) {
            return byGateway;
        }
        ServiceEntry entry = scope.view(ownNamespace).index().entryForHost(h);
        int port = entry == null ? listener.port() : singleTlsPort(entry, listener.port());
        return decideHost(h, port);
    }

    /**
     * A plain-HTTP Gateway listener, by the request's Host (canonical): it must be a host of the
     * Gateway servers on this port; the entry's port equal to the listener's, else the entry's only
     * HTTP port (e.g. 443 with TLS origination), else the listener's port, is then decided as
     * {@link #decideHost} would.
     */
    Decision decideHttpGateway(ListenerSpec listener, String host) {
        return decideHttpGateway(listener, host, ownNamespace);
    }

    /**
     * As {@link #decideHttpGateway(ListenerSpec, String)} for a caller from {@code namespace} (a
     * sidecar's request inside the mutual-TLS hop): exportTo and that namespace's Sidecar decide.
     */
    Decision decideHttpGateway(ListenerSpec listener, String host, @Nullable String namespace) {
        String h = HostNames.normalize(host);
        Decision notServed = notGatewayHost(listener, "Host", h);
        if (notServed != null) {
            return notServed;
        }
        return decideHost(h, servicePort(h, listener.port()), namespace);
    }

    /**
     * The ServiceEntry port an HTTP request for {@code host} (canonical) sent to {@code port} goes to: the entry's
     * port equal to it, else the entry's only HTTP port (e.g. 443 with TLS origination), else {@code port}. Also
     * the port of a VirtualService http route's destination that names none.
     */
    public int servicePort(String host, int port) {
        ServiceEntry entry = scope.view(ownNamespace).index().entryForHost(host);
        if (entry != null && entry.ports().stream().noneMatch(p -> p.number() == port)) {
            List<ServicePort> http = entry.ports().stream().filter(p -> p.protocol() == io.portcullis.model.Protocol.HTTP)
                    .toList();
            if (http.size() == 1) {
                return http.get(0).number();
            }
        }
        return port;
    }

    /**
     * TLS to originate for plain HTTP sent to {@code host} (canonical) on service port {@code port}
     * (the ServiceEntry port the request was allowed by), from the matching DestinationRule; null
     * when there is none or it says DISABLE.
     */
    public TlsOrigination origination(String host, int port) {
        return destinationRules.lookup(HostNames.normalize(host), port);
    }

    /**
     * The DestinationRule's {@code tunnel} and {@code connectionPool} for an allowed connection's
     * destination; empty when none applies (or the decision is a refusal).
     */
    java.util.Optional<UpstreamSettings> upstreamSettings(Decision decision) {
        return trafficPolicies.lookup(decision);
    }

    /** Like {@link #upstreamSettings(Decision)}, for a forward verdict. */
    public java.util.Optional<UpstreamSettings> upstreamSettings(Verdict.Forward verdict) {
        if (verdict.routedTo().isPresent()) {
            return trafficPolicies.lookup(verdict.routedTo().get());
        }
        return trafficPolicies.lookup(verdict.matched().orElse(null), verdict.target());
    }

    /**
     * The part of an SNI decision the Gateway makes: a name outside the Gateway servers' hosts on
     * this port is refused, and a bound tls route sends it where the route says. Null when the
     * name is a Gateway host with no tls route: the ServiceEntry decides.
     */
    private Decision bySniRoute(ListenerSpec listener, String h, byte[] localAddress, @Nullable String namespace) {
        Decision notServed = notGatewayHost(listener, "SNI", h);
        if (notServed != null) {
            return notServed;
        }
        GatewayRouter.CompiledRoute route = router.tlsRoute(listener.port(), h, localAddress);
        if (route == null) {
            return null;
        }
        Destination d = GatewayRouter.pick(route.destinations());
        String target = d.host().startsWith("*") ? h : HostNames.normalize(d.host());
        return routed(target, d.port() != 0 ? d.port() : listener.port(), route, namespace);
    }

    /**
     * A listener terminating mutual TLS from sidecars. The sidecar announces the app's destination
     * as the SNI of its connection (the article's {@code forward_downstream_sni}); when present it
     * must be a host of the Gateway servers on the port, and a {@code VirtualService} tls route
     * bound to the Gateway is matched by it first. Then a tcp route on the port decides (the
     * MongoDB article's TCP and TLS-via-gateway topologies); without either, the SNI itself names
     * the ServiceEntry host, as on a passthrough listener (the wildcard topology).
     *
     * @param sni the SNI of the mutual-TLS connection, or null when the sidecar sent none
     */
    Decision decideMutualTls(ListenerSpec listener, String sni, byte[] localAddress) {
        return decideMutualTls(listener, sni, localAddress, ownNamespace);
    }

    /**
     * As {@link #decideMutualTls(ListenerSpec, String, byte[])} for a caller from {@code namespace},
     * the namespace of its SPIFFE ID (null when it names none): exportTo and that namespace's
     * Sidecar decide which ServiceEntries it reaches, and with which outbound mode.
     */
    Decision decideMutualTls(ListenerSpec listener, String sni, byte[] localAddress, @Nullable String namespace) {
        String h = sni == null ? null : HostNames.normalize(sni);
        if (h != null) {
            Decision byGateway = bySniRoute(listener, h, localAddress, namespace);
            if (byGateway != null) {
                return byGateway;
            }
        }
        if (router.tcpRoute(listener.port(), localAddress) != null) {
            return decideTcp(listener, localAddress, namespace);
        }
        if (h == null) {
            return Decision.deny(Reason.NO_ROUTE, "no SNI from the caller and no VirtualService tcp route bound to"
                    + " the Gateway on port " + listener.port());
        }
        ServiceEntry entry = scope.view(namespace).index().entryForHost(h);
        return decideHost(h, entry == null ? listener.port() : singleTlsPort(entry, listener.port()), namespace);
    }

    /** A TCP listener: the bound tcp route names a declared host; its endpoints or addresses give the IPs. */
    Decision decideTcp(ListenerSpec listener, byte[] localAddress) {
        return decideTcp(listener, localAddress, ownNamespace);
    }

    private Decision decideTcp(ListenerSpec listener, byte[] localAddress, @Nullable String namespace) {
        GatewayRouter.CompiledRoute route = router.tcpRoute(listener.port(), localAddress);
        if (route == null) {
            return Decision.deny(Reason.NO_ROUTE,
                    "no VirtualService tcp route is bound to the Gateway on port " + listener.port());
        }
        Destination d = GatewayRouter.pick(route.destinations());
        return routed(HostNames.normalize(d.host()), d.port() != 0 ? d.port() : listener.port(), route, namespace);
    }

    /**
     * What the policy would do with a connection, and why: the decision, the resources that made
     * it and, for a refusal, the nearest misses. For operators ({@code portcullis check}); it may
     * scan every resource, so it is never called per connection.
     */
    public Explanation explain(CheckQuery query) {
        return explain(query, PrivateAddressGuard.STRICT);
    }

    /** Like {@link #explain(CheckQuery)}, with the SSRF guard the listeners connect through. */
    public Explanation explain(CheckQuery query, PrivateAddressGuard guard) {
        return new PolicyExplainer(this, guard).explain(query);
    }

    /** The tls route a passthrough listener would pick for {@code sni}, or null; for {@link PolicyExplainer}. */
    GatewayRouter.CompiledRoute routeFor(ListenerSpec listener, String sni, byte[] localAddress) {
        return router.tlsRoute(listener.port(), sni, localAddress);
    }

    private Decision routed(String host, int port, GatewayRouter.CompiledRoute route, @Nullable String namespace) {
        NamespaceView view = scope.view(namespace);
        PortBinding binding = view.index().byHost(host, port);
        if (binding == null) {
            Decision d = undeclared(host, null, port, UpstreamTarget.ofName(host, port), view, namespace);
            return d.allowed() ? d : Decision.deny(d.reason(), d.message() + " (routed by " + route.virtualService() + ")");
        }
        return allow(binding, UpstreamPlanner.plan(binding, host.startsWith("*") ? null : host, null, true));
    }

    private Decision allow(PortBinding binding, UpstreamTarget target) {
        if (target == null) {
            return Decision.deny(Reason.NO_SERVICE_ENTRY, binding.entry().id() + " gives no address for port "
                    + binding.port().number());
        }
        return new Decision(Reason.DECLARED, binding, target, "allowed by " + binding.entry().id());
    }

    private Decision undeclared(String host, byte @Nullable [] address, int port, UpstreamTarget target,
                                NamespaceView view, @Nullable String namespace) {
        if (view.outbound() == OutboundPolicy.ALLOW_ANY) {
            return new Decision(Reason.UNDECLARED_ALLOWED, null, target, "undeclared, allowed by ALLOW_ANY"
                    + (outboundPolicy == OutboundPolicy.ALLOW_ANY ? "" : " (" + view.sidecar().map(Object::toString)
                    .orElse("a Sidecar") + " for " + NamespaceView.callers(namespace) + ")"));
        }
        String message = "no ServiceEntry allows " + AddressText.hostPort(host, port);
        java.util.Optional<String> hidden = scope.whyHidden(view, namespace, address == null ? host : null, address, port);
        if (hidden.isPresent()) {
            return Decision.deny(Reason.NO_SERVICE_ENTRY, message + ": " + hidden.get());
        }
        ServiceEntry near = view.index().entryForHost(host);
        if (near != null) {
            message += " (" + near.id() + " declares " + host + " on port " + ServiceEntryIndex.portNumbers(near).stream()
                    .map(String::valueOf).collect(Collectors.joining(", ")) + ")";
        }
        return Decision.deny(Reason.NO_SERVICE_ENTRY, message);
    }

    /**
     * The refusal of {@code host} (canonical), named as the client sent it ({@code what}: Host, SNI),
     * when no Gateway server on the listener's port serves it; null when one does. Needs no caller.
     */
    static @Nullable Decision notGatewayHost(ListenerSpec listener, String what, String host) {
        if (listener.servers().stream().anyMatch(server -> server.hasHost(host))) {
            return null;
        }
        return Decision.deny(Reason.NOT_GATEWAY_HOST,
                what + " " + host + " is not a host of the Gateway servers on port " + listener.port());
    }

    /** The entry's only TLS/HTTPS port, else the listener's own port. */
    private static int singleTlsPort(ServiceEntry entry, int listenerPort) {
        List<ServicePort> tls = entry.ports().stream().filter(p -> p.protocol().isTls()).toList();
        return tls.size() == 1 ? tls.get(0).number() : listenerPort;
    }
}
