package io.portcullis.model;

import io.portcullis.model.VirtualService.L4Match;
import io.portcullis.model.VirtualService.RouteDestination;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules that span resources, checked on a whole {@link ResourceSet} after each resource has
 * been validated on its own. Linear in the size of the set (every look-up is a hash), so a whole
 * folder is checked again at each change at little cost. Stateless and thread-safe.
 */
public final class ResourceSetValidator {
    private ResourceSetValidator() {
    }

    /** Every cross-resource problem of {@code set}, in set order; the file of each is the resource's origin. */
    public static List<Problem> validate(ResourceSet set) {
        List<Problem> problems = new ArrayList<>();
        duplicateIds(set, problems);
        ambiguousTcpPorts(set, problems);
        conflictingGatewayPorts(set, problems);
        if (set.virtualServices().isEmpty()) {
            return problems;
        }
        Set<ResourceId> gateways = new HashSet<>();
        set.gateways().forEach(g -> gateways.add(g.id()));
        DeclaredHosts declared = new DeclaredHosts(set.serviceEntries());
        for (VirtualService vs : set.virtualServices()) {
            missingGateways(set, vs, gateways, problems);
            undeclaredDestinations(set, vs, declared, problems);
        }
        return problems;
    }

    private static void duplicateIds(ResourceSet set, List<Problem> problems) {
        Set<ResourceId> seen = new HashSet<>();
        for (Resource r : set.all()) {
            if (!seen.add(r.id())) {
                problems.add(Problem.error(set.origin(r.id()), r.id(), "metadata.name",
                        r.id() + " is defined more than once"));
            }
        }
    }

    /**
     * Istio's trap: without addresses, two entries with an opaque TCP port of the same number
     * both claim every address on that port, and which one a connection meets is arbitrary.
     */
    private static void ambiguousTcpPorts(ResourceSet set, List<Problem> problems) {
        Map<Integer, ServiceEntry> firstByPort = new HashMap<>();
        for (ServiceEntry se : set.serviceEntries()) {
            if (!se.addresses().isEmpty()) {
                continue;
            }
            for (int i = 0; i < se.ports().size(); i++) {
                ServicePort p = se.ports().get(i);
                if (p.protocol() == null || !p.protocol().isOpaqueTcp()) {
                    continue;
                }
                ServiceEntry first = firstByPort.putIfAbsent(p.number(), se);
                // Identity on purpose: another entry, not this one naming the port twice (checked elsewhere).
                @SuppressWarnings("ReferenceEquality")
                boolean another = first != null && first != se;
                if (another) {
                    problems.add(Problem.error(set.origin(se.id()), se.id(), "spec.ports[" + i + "]",
                            "port " + p.number() + " (" + p.protocol() + ") is also declared by " + first.id()
                                    + " without addresses; TCP entries without addresses on the same port are"
                                    + " ambiguous, add addresses to one of them"));
                }
            }
        }
    }

    /** One listener per port: every server on a port, in any Gateway, must speak the same protocol. */
    private static void conflictingGatewayPorts(ResourceSet set, List<Problem> problems) {
        record Claim(Gateway gateway, int server, Protocol protocol) {}
        Map<Integer, Claim> firstByPort = new HashMap<>();
        for (Gateway gw : set.gateways()) {
            for (int i = 0; i < gw.servers().size(); i++) {
                ServicePort port = gw.servers().get(i).port();
                if (port == null || port.protocol() == null) {
                    continue;
                }
                Claim first = firstByPort.putIfAbsent(port.number(), new Claim(gw, i, port.protocol()));
                if (first != null && first.protocol() != port.protocol()) {
                    // Identity on purpose: this very Gateway, which names no other resource.
                    @SuppressWarnings("ReferenceEquality")
                    boolean sameGateway = first.gateway() == gw;
                    String other = sameGateway ? "spec.servers[" + first.server() + "]"
                            : first.gateway().id() + " spec.servers[" + first.server() + "]";
                    problems.add(Problem.error(set.origin(gw.id()), gw.id(), "spec.servers[" + i + "].port",
                            "port " + port.number() + " is " + port.protocol() + " here but " + first.protocol()
                                    + " in " + other + "; servers on one port must use one protocol"));
                }
            }
        }
    }

    private static void missingGateways(ResourceSet set, VirtualService vs, Set<ResourceId> gateways,
                                        List<Problem> problems) {
        checkGatewayRefs(set, vs, vs.gateways(), "spec.gateways", gateways, problems);
        for (int r = 0; r < vs.tls().size(); r++) {
            List<L4Match> match = vs.tls().get(r).match();
            for (int m = 0; m < match.size(); m++) {
                checkGatewayRefs(set, vs, match.get(m).gateways(), "spec.tls[" + r + "].match[" + m + "].gateways",
                        gateways, problems);
            }
        }
        for (int r = 0; r < vs.tcp().size(); r++) {
            List<L4Match> match = vs.tcp().get(r).match();
            for (int m = 0; m < match.size(); m++) {
                checkGatewayRefs(set, vs, match.get(m).gateways(), "spec.tcp[" + r + "].match[" + m + "].gateways",
                        gateways, problems);
            }
        }
    }

    private static void checkGatewayRefs(ResourceSet set, VirtualService vs, List<String> refs, String field,
                                         Set<ResourceId> gateways, List<Problem> problems) {
        for (int i = 0; i < refs.size(); i++) {
            ResourceId target = GatewayRefs.resolve(refs.get(i), vs.id().namespace());
            if (target != null && !gateways.contains(target)) {
                problems.add(Problem.warning(set.origin(vs.id()), vs.id(), field + "[" + i + "]",
                        "no Gateway " + target + " is defined; routes bound to it apply nowhere"));
            }
        }
    }

    private static void undeclaredDestinations(ResourceSet set, VirtualService vs, DeclaredHosts declared,
                                               List<Problem> problems) {
        for (int r = 0; r < vs.tls().size(); r++) {
            checkDestinations(set, vs, vs.tls().get(r).route(), "spec.tls[" + r + "].route", declared, problems);
        }
        for (int r = 0; r < vs.tcp().size(); r++) {
            checkDestinations(set, vs, vs.tcp().get(r).route(), "spec.tcp[" + r + "].route", declared, problems);
        }
    }

    private static void checkDestinations(ResourceSet set, VirtualService vs, List<RouteDestination> route,
                                          String field, DeclaredHosts declared, List<Problem> problems) {
        for (int i = 0; i < route.size(); i++) {
            RouteDestination rd = route.get(i);
            if (rd.destination() == null || rd.destination().host() == null) {
                continue;
            }
            String host = rd.destination().host();
            if (looksMeshInternal(host) || declared.covers(host)) {
                continue;
            }
            problems.add(Problem.warning(set.origin(vs.id()), vs.id(), field + "[" + i + "].destination.host",
                    "no ServiceEntry declares \"" + host + "\"; connections routed there will be refused"));
        }
    }

    /** Names of in-cluster services, such as the egress gateway's, which no ServiceEntry declares. */
    static boolean looksMeshInternal(String host) {
        return !host.contains(".") || host.endsWith(".svc") || host.endsWith(".cluster.local");
    }

    /**
     * The hosts the ServiceEntries declare, indexed so that whether one covers a name
     * ({@link HostSyntax#isSubsetOf}) costs a hash look-up per label of the name, not a pass over every entry.
     */
    private static final class DeclaredHosts {
        /** Exact names, and each {@code *.suffix} kept as {@code .suffix}. */
        private final Set<String> exact = new HashSet<>();
        private final Set<String> suffixes = new HashSet<>();
        private boolean star;

        DeclaredHosts(List<ServiceEntry> entries) {
            for (ServiceEntry se : entries) {
                for (String h : se.hosts()) {
                    if (h.equals("*")) {
                        star = true;
                    } else if (h.startsWith("*.")) {
                        suffixes.add(h.substring(1));
                    }
                    exact.add(h);
                }
            }
        }

        /** Whether some declared host covers {@code host}: the same name, {@code *}, or a wildcard over it. */
        boolean covers(String host) {
            if (star || exact.contains(host)) {
                return true;
            }
            if (host.equals("*")) {
                return false;
            }
            // "*.a.b" is covered by "*.b" but not by itself (caught above) as a proper suffix; "x.a.b" by "*.a.b" and "*.b".
            String name = host.startsWith("*.") ? host.substring(1) : host;
            for (int dot = name.indexOf('.', 1); dot > 0; dot = name.indexOf('.', dot + 1)) {
                if (suffixes.contains(name.substring(dot))) {
                    return true;
                }
            }
            return false;
        }
    }
}
