package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.Cidr;
import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.Endpoint;
import io.portcullis.model.Location;
import io.portcullis.model.Resolution;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import io.portcullis.model.VirtualService.Destination;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The sidecar role's reading of a configuration: what Istio's sidecar does with a workload's
 * outbound connection, captured by iptables with its original destination.
 *
 * <ol>
 *   <li>The original {@code IP:port} is matched against entries with {@code addresses} (longest
 *       prefix). Else, on a port where address-less entries declare TLS or HTTP hosts, the
 *       ClientHello's SNI or the request's Host names the entry ({@link #peekFor} says which to
 *       read); an address-less TCP entry takes every address on its port.</li>
 *   <li>Undeclared: {@code REGISTRY_ONLY} refuses, {@code ALLOW_ANY} passes it to the original
 *       destination, logged as undeclared.</li>
 *   <li>A {@code VirtualService} route bound to {@code mesh} (for one HTTP request, the http route
 *       the data plane matched, {@link Facts#routedTo}; else tls by SNI, else tcp by port and
 *       destination subnet) may send it elsewhere: to a mesh-internal host such as the egress
 *       gateway (with the {@code DestinationRule} TLS of that host, subset and port, e.g.
 *       {@code ISTIO_MUTUAL}), or to another declared host. Without a route it goes straight out:
 *       to the original destination, or the entry's endpoints for {@code STATIC}; an HTTP request
 *       to the entry port's {@code targetPort}, with the host's DestinationRule TLS for that port.</li>
 *   <li>When the entry was found by a name (SNI or Host), that name must resolve to the original
 *       destination address; the data plane resolves and checks ({@link SidecarDecision#checkName}).</li>
 * </ol>
 * Immutable; every lookup is bounded by the key's length and safe on an event loop.
 */
public final class SidecarPolicy {
    /** What the sidecar must read from the client before it can decide. */
    public enum Peek { NONE, TLS, HTTP }

    private final ServiceEntryIndex index;
    private final NamespaceScope scope;
    private final NamespaceView view;
    private final @org.jspecify.annotations.Nullable String namespace;
    private final OutboundPolicy outboundPolicy;
    private final MeshRouter router;
    private final DestinationRuleIndex destinationRules;
    private final Set<Integer> tlsNamePorts = new HashSet<>();
    private final Set<Integer> httpNamePorts = new HashSet<>();
    private final Map<Integer, PortBinding> tcpAnyAddress = new HashMap<>();

    /**
     * @param namespace the sidecar's own namespace (its mesh identity's), which decides the entries it sees
     *                  (exported to it, imported by its Sidecar resource) and its outbound mode; null for none
     */
    SidecarPolicy(ResourceSet resources, NamespaceScope scope, @org.jspecify.annotations.Nullable String namespace) {
        this.view = scope.view(namespace);
        this.namespace = namespace;
        this.index = view.index();
        this.scope = scope;
        this.outboundPolicy = view.outbound();
        // Mesh routes and TLS settings exported to the sidecar's namespace, as Istio's sidecar applies them.
        this.router = new MeshRouter(NamespaceScope.virtualServices(resources, namespace));
        this.destinationRules = new DestinationRuleIndex(NamespaceScope.destinationRules(resources, namespace));
        // Without a Sidecar's imports the view's index holds every host of every entry on each of its
        // ports, so only imports can leave a port out (and the look-ups would cost a compile's worth).
        boolean filtered = view.imports().isPresent();
        for (ServiceEntry entry : view.entries()) {
            if (!entry.addresses().isEmpty()) {
                continue;
            }
            for (ServicePort p : entry.ports()) {
                if (filtered && entry.hosts().stream().noneMatch(h -> index.byHost(h, p.number()) != null)) {
                    continue; // not imported on this port by the namespace's Sidecar
                }
                if (p.protocol().isTls()) {
                    tlsNamePorts.add(p.number());
                } else if (p.protocol().isHttp()) {
                    httpNamePorts.add(p.number());
                } else {
                    tcpAnyAddress.putIfAbsent(p.number(), new PortBinding(entry, p));
                }
            }
        }
    }

    /**
     * Whether {@code host} is where sidecars send their traffic over a mesh route (the egress
     * gateway's own service): a DestinationRule for it describes the sidecars' hop, which the
     * gateway role receives and never originates.
     */
    public boolean isSidecarsHop(String host) {
        return router.routesTo(host);
    }

    /** What to read before deciding on a connection to {@code ip:port}: nothing when the address decides. */
    public Peek peekFor(InetAddress ip, int port) {
        if (index.byAddress(ip.getAddress(), port) != null) {
            return Peek.NONE;
        }
        if (tlsNamePorts.contains(port) || router.hasTlsRouteOn(port)) {
            return Peek.TLS;
        }
        if (httpNamePorts.contains(port)) {
            return Peek.HTTP;
        }
        return Peek.NONE;
    }

    /**
     * Decides on a captured connection; {@link Admission#admit} answers it as a {@link Verdict}.
     *
     * @param name       the SNI ({@code fromTls}) or Host the client sent, normalised or not; null when none
     */
    SidecarDecision decide(InetAddress ip, int port, String name, boolean fromTls) {
        return decide(ip, port, name, fromTls, false, Optional.empty());
    }

    /**
     * Decides on a captured connection, or on one HTTP request of it ({@code request}): a request is
     * sent where its mesh http route says ({@code httpRoute}, the request's {@link Facts#routedTo});
     * without one, as a connection is, except
     * that going straight out it goes to the entry port's {@code targetPort} with the DestinationRule
     * TLS of the host and port (Istio's sidecar originating TLS: "Egress TLS Origination").
     */
    SidecarDecision decide(InetAddress ip, int port, String name, boolean fromTls, boolean request,
                           Optional<RoutedDestination> httpRoute) {
        byte[] address = ip.getAddress();
        String host = name == null ? null : HostNames.normalize(name);
        PortBinding binding = index.byAddress(address, port);
        boolean byName = false;
        if (binding == null && host != null) {
            PortBinding named = index.byHost(host, port);
            // An entry with addresses covers those addresses only; its names do not reach other IPs.
            if (named != null && named.entry().addresses().isEmpty()) {
                binding = named;
                byName = true;
            }
        }
        if (binding == null) {
            binding = tcpAnyAddress.get(port);
        }
        String what = (host != null ? host + " at " : "") + AddressText.hostPort(AddressText.address(ip), port);
        if (binding == null) {
            UpstreamTarget original = UpstreamTarget.ofAddress(ip, port);
            if (outboundPolicy == OutboundPolicy.ALLOW_ANY) {
                return new SidecarDecision(Reason.UNDECLARED_ALLOWED, null, "undeclared, allowed by ALLOW_ANY",
                        original, null, null, null, false, null, null, null);
            }
            String hidden = scope.whyHidden(view, namespace, host, host == null ? address : null, port).map(w -> ": " + w)
                    .orElse("");
            if (hidden.isEmpty() && host != null) {
                hidden = scope.whyHidden(view, namespace, null, address, port).map(w -> ": " + w).orElse("");
            }
            return SidecarDecision.deny(Reason.NO_SERVICE_ENTRY, "no ServiceEntry allows " + what + hidden
                    + (host == null && peekFor(ip, port) == Peek.TLS ? " (the connection named no host: no SNI)" : ""));
        }
        Found found = new Found(binding, ip, host, what, byName ? host : null,
                byName ? literalEndpoints(binding) : null, fromTls ? Reason.SNI_MISMATCH : Reason.HOST_MISMATCH);
        if (httpRoute.isPresent()) {
            return routed(found, httpRoute.get());
        }
        MeshRouter.MeshRoute route = host != null && fromTls ? router.tlsRoute(host, port, address) : null;
        if (route == null) {
            route = router.tcpRoute(port, address, binding.entry());
        }
        if (route == null) {
            if (request) {
                // Straight out as Envoy's cluster for the entry port: its targetPort, TLS as the DestinationRule says.
                int upstreamPort = binding.port().upstreamPort();
                ClientTls tls = host == null ? null : destinationRules.tls(host, null, binding.port().number());
                if (tls != null && tls.mode() == ClientTlsMode.DISABLE) {
                    tls = null;
                }
                return allowed(found, "allowed by " + binding.entry().id(), direct(binding, ip, upstreamPort), tls, null,
                        false);
            }
            return allowed(found, "allowed by " + binding.entry().id(), direct(binding, ip, port), null, null, false);
        }
        Destination d = GatewayRouter.pick(route.destinations());
        String target = d.host().startsWith("*") && host != null ? host : HostNames.normalize(d.host());
        return routed(found, new RoutedDestination(route.virtualService(), target,
                Optional.ofNullable(d.subset()), d.port() != 0 ? d.port() : port));
    }

    /** What the lookup found: the entry port that allowed, and the name check the data plane owes. */
    private record Found(PortBinding binding, InetAddress ip, String host, String what, String checkName,
                         List<InetAddress> checkAddresses, Reason mismatch) {
    }

    /** The destination of a mesh route (tls, tcp or http): see the class comment, step 3. */
    private SidecarDecision routed(Found f, RoutedDestination to) {
        ResourceId virtualService = to.virtualService();
        String target = to.host();
        String subset = to.subset().orElse(null);
        int targetPort = to.port();
        if (subset != null && !destinationRules.hasSubset(target, subset)) {
            return SidecarDecision.deny(Reason.NO_ROUTE, virtualService + " routes " + f.what() + " to subset "
                    + subset + " of " + target + ", which no DestinationRule defines");
        }
        ClientTls tls = destinationRules.tls(target, subset, targetPort);
        if (tls != null && tls.mode() == ClientTlsMode.DISABLE) {
            tls = null;
        }
        PortBinding binding = f.binding();
        String via = " via " + virtualService;
        if (covers(binding.entry(), target)) {
            // The route keeps the connection on this service (possibly another port): straight out.
            return allowed(f, "allowed by " + binding.entry().id() + via, direct(binding, f.ip(), targetPort), tls,
                    virtualService, false);
        }
        // Another host than the entry's: that host's DestinationRule (and subset) governs the upstream connection,
        // so the decision keeps the route's destination.
        ServiceEntry other = index.entryForHost(target);
        if (other != null && other.location() == Location.MESH_EXTERNAL) {
            PortBinding otherBinding = index.byHost(target, targetPort);
            UpstreamTarget upstream = otherBinding == null ? null : UpstreamPlanner.plan(otherBinding, target, null, true);
            if (upstream == null) {
                return SidecarDecision.deny(Reason.NO_SERVICE_ENTRY, virtualService + " routes " + f.what() + " to "
                        + AddressText.hostPort(target, targetPort) + ", which no ServiceEntry declares on that port");
            }
            return allowed(f, "allowed by " + binding.entry().id() + via, upstream, tls, virtualService, false).routed(to);
        }
        return allowed(f, "allowed by " + binding.entry().id() + via + " to " + AddressText.hostPort(target, targetPort),
                meshInternal(other, target, targetPort), tls, virtualService, true).routed(to);
    }

    private SidecarDecision allowed(Found f, String message, UpstreamTarget upstream, ClientTls tls,
                                    ResourceId route, boolean viaGateway) {
        String sni = tls == null ? null : f.host() != null ? f.host() : tls.sni();
        return new SidecarDecision(Reason.DECLARED, f.binding(), message, upstream, tls, sni, route, viaGateway,
                f.checkName(), f.checkAddresses(), f.mismatch());
    }

    /** Straight out: the entry's endpoints for STATIC, else the address the app connected to. */
    private static UpstreamTarget direct(PortBinding binding, InetAddress ip, int port) {
        ServiceEntry entry = binding.entry();
        if (entry.resolution() == Resolution.STATIC && !entry.endpoints().isEmpty()) {
            List<Candidate> out = new ArrayList<>();
            for (Endpoint ep : entry.endpoints()) {
                int p = port == binding.port().number() ? ep.portFor(binding.port()) : port;
                byte[] literal = Cidr.literalBytes(ep.address());
                out.add(literal != null ? Candidate.ofAddress(address(literal), p) : Candidate.ofName(ep.address(), p));
            }
            return new UpstreamTarget(out);
        }
        return UpstreamTarget.ofAddress(ip, port);
    }

    /** A mesh-internal host (the egress gateway): its entry's endpoints or addresses, else its name. */
    private static UpstreamTarget meshInternal(ServiceEntry entry, String host, int port) {
        List<Candidate> out = new ArrayList<>();
        if (entry != null) {
            for (Endpoint ep : entry.endpoints()) {
                byte[] literal = Cidr.literalBytes(ep.address());
                out.add(literal != null ? Candidate.ofAddress(address(literal), port) : Candidate.ofName(ep.address(), port));
            }
            if (out.isEmpty()) {
                for (Cidr c : entry.addresses()) {
                    if (c.isSingleAddress()) {
                        out.add(Candidate.ofAddress(address(c.network()), port));
                    }
                }
            }
        }
        return out.isEmpty() ? UpstreamTarget.ofName(host, port) : new UpstreamTarget(out);
    }

    /** For STATIC entries the endpoints are what the name stands for; otherwise the name is resolved. */
    private static List<InetAddress> literalEndpoints(PortBinding binding) {
        ServiceEntry entry = binding.entry();
        if (entry.resolution() != Resolution.STATIC || entry.endpoints().isEmpty()) {
            return null;
        }
        List<InetAddress> out = new ArrayList<>();
        for (Endpoint ep : entry.endpoints()) {
            byte[] literal = Cidr.literalBytes(ep.address());
            if (literal == null) {
                return null;
            }
            out.add(address(literal));
        }
        return out;
    }

    private static boolean covers(ServiceEntry entry, String host) {
        return entry.hosts().stream().anyMatch(h -> HostNames.matches(h, host));
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
