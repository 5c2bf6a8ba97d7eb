package io.portcullis.policy;

import io.portcullis.model.AddressText;
import io.portcullis.model.Cidr;
import io.portcullis.model.DestinationRule;
import io.portcullis.model.Endpoint;
import io.portcullis.model.LiteralSplit;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import io.portcullis.policy.Explanation.Finding;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Explains a decision of an {@link EgressPolicy}: takes the verdict from {@link Admission#admit},
 * the function the listeners call (never a second implementation of it), then names the resources involved and, for a
 * refusal, scans the resources for the nearest misses. Stateless; not on the data path.
 */
final class PolicyExplainer {
    /** Near misses shown at most. */
    private static final int MAX_NEAR = 3;
    /** Labels a host must share with a declared one to be called "the same domain" (example.com). */
    private static final int SAME_DOMAIN_LABELS = 2;

    private record Scored(int score, Finding finding) {}

    private final EgressPolicy policy;
    private final PrivateAddressGuard guard;

    PolicyExplainer(EgressPolicy policy, PrivateAddressGuard guard) {
        this.policy = policy;
        this.guard = guard;
    }

    /**
     * The host as the data plane reads it ({@link HostCanonicalizer}: {@code 010.0.0.1} is
     * 8.0.0.1 and {@code 0x7f.1} is 127.0.0.1, as inet_aton and the clients read them), so
     * {@code check} and the proxy never decide two different addresses. Text the proxy refuses
     * outright is checked as written, lower-cased.
     */
    private static String asTheProxyReadsIt(String host) {
        String bracketed = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        try {
            return HostCanonicalizer.canonical(bracketed);
        } catch (IllegalArgumentException refused) {
            return HostNames.normalize(host);
        }
    }

    Explanation explain(CheckQuery q) {
        String host = asTheProxyReadsIt(q.host());
        byte[] ip = Cidr.literalBytes(host);
        Optional<InetAddress> literal = ip == null ? Optional.empty() : Optional.of(address(ip));
        List<String> notes = new ArrayList<>();
        if (!host.equals(HostNames.normalize(q.host()))) {
            notes.add("the proxy reads the host " + q.host() + " as " + host + ", as clients do, and so does this check");
        }
        ListenerSpec listener = policy.listener(q.port());
        String namespace = q.callerNamespace() != null ? q.callerNamespace() : policy.ownNamespace();
        notes.add(namespaceNote(q, namespace));
        String path;
        String target;
        Facts facts;
        if (q.sni() != null && listener != null && listener.isTlsPassthrough()) {
            String sni = HostNames.normalize(q.sni());
            path = "Gateway listener " + listener.name() + " (TLS passthrough, routed by SNI " + sni + ")";
            Facts.Builder f = Facts.of(ListenerKind.TLS_PASSTHROUGH, q.port()).listener(listener).sni(sni)
                    .peer(q.source()).namespace(q.namespace());
            // The address asked about is the listener's own: route subnets and destination.ip are matched against it.
            literal.ifPresent(a -> f.local(new InetSocketAddress(a, q.port())));
            if (q.method() != null) {
                notes.add("a TLS passthrough listener sees no HTTP request: --method and --path were not used");
            }
            facts = f.build();
            target = sni;
        } else {
            HostPort authority = new HostPort(host, q.port(), literal);
            if (isConnect(q)) {
                path = "explicit proxy (CONNECT " + AddressText.hostPort(host, q.port()) + ")";
                // The explicit proxy authorizes a CONNECT as an HTTP request with method CONNECT and no path.
                facts = Facts.of(ListenerKind.EXPLICIT_CONNECT, q.port()).authority(authority)
                        .http("CONNECT", "", RequestHeaders.NONE).peer(q.source()).namespace(q.namespace()).build();
            } else {
                path = "explicit proxy (" + q.method() + " http://" + AddressText.hostPort(host, q.port())
                        + requestPath(q) + ")";
                // No headers: request.headers conditions see none.
                facts = Facts.of(ListenerKind.EXPLICIT_HTTP, q.port()).authority(authority)
                        .http(q.method(), requestPath(q), RequestHeaders.NONE).peer(q.source())
                        .namespace(q.namespace()).build();
            }
            target = host;
            if (q.sni() != null) {
                notes.add("the explicit proxy decides by the CONNECT authority; the SNI " + q.sni()
                        + " inside the tunnel is not inspected");
            }
            if (listener != null) {
                notes.add("port " + q.port() + " also has a Gateway listener (" + listener.name() + "): "
                        + (listener.isTlsPassthrough() ? "add --sni to ask about a TLS connection made to it"
                        : "a connection made to it is " + describe(policy.decideTcp(listener, ip))));
            }
        }
        // The one function the listeners call: routed first, then the caller is authorized.
        Verdict verdict = Admission.admit(policy, facts);
        verdict.dryRun().forEach(d -> notes.add("dry-run AuthorizationPolicies " + d.message()
                + " (istio.io/dry-run: enforced nothing)"));
        if (!policy.authorizer().isEmpty() && q.source() == null) {
            notes.add("no --from given: AuthorizationPolicies were evaluated for a caller without a certificate");
        }
        if (!policy.authorizer().isEmpty()) {
            notes.add("the caller's IP address is not known here: AuthorizationPolicy ipBlocks and remoteIpBlocks"
                    + " conditions were taken as not matching");
        }
        verdict = guarded(verdict, notes);
        if (verdict instanceof Verdict.Forward f) {
            f.owed().forEach(c -> notes.add(owed(c)));
        }
        boolean viaListener = path.startsWith("Gateway");
        List<Finding> matched = matched(verdict, target, ip, viaListener ? listener : null);
        if (verdict instanceof Verdict.Forward f && f.authorization().policy() != null) {
            matched.add(new Finding(f.authorization().policy(), f.authorization().message()));
        } else if (verdict.reason() == Reason.AUTHZ_DENIED && verdict.resource().isPresent()) {
            matched.add(new Finding(verdict.resource().get(), verdict.message()));
        }
        List<Finding> near = verdict.allowed() ? List.of() : nearMisses(verdict, target, ip, q.port(), listener);
        return new Explanation(path, verdict, matched, near, notes, namespace);
    }

    /** Which namespace the caller was taken to be in, why, and what scopes it there. */
    private String namespaceNote(CheckQuery q, String namespace) {
        String why = q.namespace() != null ? "given" : q.callerNamespace() != null ? "from --from"
                : namespace != null ? "the gateway's own, from its mesh identity, as for callers without one"
                : null;
        String sidecar = policy.sidecarFor(namespace).map(id -> "; " + id + " applies").orElse("");
        String mode = "; outbound mode " + policy.namespaces().outboundFor(namespace);
        if (why == null) {
            return "caller namespace: none (no --from, and the gateway has no mesh identity): it sees only"
                    + " ServiceEntries exported to every namespace" + sidecar + mode;
        }
        return "caller namespace: " + namespace + " (" + why + ")" + sidecar + mode;
    }

    /**
     * The SSRF guard's view, as the connector applies it: an allowed destination whose address is
     * known now (an IP, a STATIC endpoint) is refused when the guard refuses that address; a name is
     * checked when it resolves, at connect time, which a check does not do.
     */
    private Verdict guarded(Verdict v, List<String> notes) {
        if (!(v instanceof Verdict.Forward f)) {
            return v;
        }
        ServiceEntry entry = f.matched().map(PortBinding::entry).orElse(null);
        boolean names = false;
        for (UpstreamTarget.Candidate c : f.target().candidates()) {
            if (c.address() == null) {
                names = true;
                continue;
            }
            Optional<String> refusal = guard.refusal(c.address(), entry);
            if (refusal.isPresent()) {
                return new Verdict.Refusal(Reason.PRIVATE_ADDRESS, refusal.get(), Optional.empty(), f.requested());
            }
        }
        if (names) {
            notes.add("the SSRF guard checks the addresses a name resolves to when connecting: loopback, private and"
                    + " link-local ones are refused unless the ServiceEntry lists them or --allow-private covers them");
        }
        return v;
    }

    private static boolean isConnect(CheckQuery q) {
        return q.method() == null || q.method().equals("CONNECT");
    }

    private static String requestPath(CheckQuery q) {
        return q.path() == null ? "/" : q.path();
    }

    /** What a connection still owes once bytes arrive, as the data plane checks it. */
    private static String owed(OwedCheck check) {
        if (check instanceof OwedCheck.TunnelNamesAuthority t) {
            return "once the tunnel is open, a TLS SNI or an HTTP Host in its first bytes must name " + t.host()
                    + " (or a host allowed on its own), else sni_mismatch or host_mismatch";
        }
        if (check instanceof OwedCheck.InnerSniEquals i) {
            return "the app's own ClientHello inside must name " + i.announced() + ", else sni_mismatch";
        }
        OwedCheck.NameResolvesTo n = (OwedCheck.NameResolvesTo) check;
        return n.name() + " must resolve to " + AddressText.address(n.original()) + ", else " + n.mismatch().code();
    }

    private static String describe(Decision d) {
        return (d.allowed() ? "allowed (" : "denied (") + d.reason().code() + "): " + d.message();
    }

    private List<Finding> matched(Verdict v, String host, byte[] ip, ListenerSpec listener) {
        List<Finding> out = new ArrayList<>();
        if (listener != null) {
            for (ListenerSpec.ServerRef s : listener.servers()) {
                if (s.hosts().stream().anyMatch(h -> HostNames.matches(HostNames.normalize(
                        h.contains("/") ? h.substring(h.indexOf('/') + 1) : h), host))) {
                    out.add(new Finding(s.gateway(), "serves " + host + " on port " + listener.port() + " ("
                            + listener.protocol() + ", " + listener.tlsMode() + ")"));
                }
            }
            GatewayRouter.CompiledRoute route = policy.routeFor(listener, host, ip);
            if (route != null) {
                out.add(new Finding(route.virtualService(), "routes SNI " + host + " on port " + listener.port() + " to "
                        + route.destinations().stream().map(r -> r.destination().host() + ":"
                        + (r.destination().port() != 0 ? r.destination().port() : listener.port()))
                        .collect(Collectors.joining(", "))));
            }
        }
        if (v.binding().isPresent()) {
            ServiceEntry e = v.binding().get().entry();
            ServicePort p = v.binding().get().port();
            String what = ip != null && !e.addresses().isEmpty() && !hostMatches(e, host)
                    ? "covers " + host + " (" + cidrFor(e, ip) + ")" : "declares " + patternFor(e, host);
            out.add(new Finding(e.id(), what + " on port " + (p.name() == null ? "" : p.name() + " ") + p.number()
                    + "/" + p.protocol() + ", resolution " + e.resolution()));
            for (DestinationRule dr : policy.resources().destinationRules()) {
                if (dr.host() != null && HostNames.matches(HostNames.normalize(dr.host()), host)) {
                    out.add(new Finding(dr.id(), "applies to host " + dr.host()));
                }
            }
        }
        return out;
    }

    private List<Finding> nearMisses(Verdict d, String host, byte[] ip, int port, ListenerSpec listener) {
        List<Scored> scored = new ArrayList<>();
        if (d.reason() == Reason.NOT_GATEWAY_HOST && listener != null) {
            for (ListenerSpec.ServerRef s : listener.servers()) {
                scored.add(new Scored(100, new Finding(s.gateway(), "serves hosts " + s.hosts() + " on port "
                        + listener.port() + "; " + host + " is not one of them")));
            }
        }
        for (ServiceEntry e : policy.resources().serviceEntries()) {
            if (ip == null) {
                byHost(e, host, port, scored);
            } else {
                byAddress(e, host, ip, port, scored);
            }
        }
        scored.sort(Comparator.comparingInt(Scored::score).reversed());
        Set<Object> seen = new LinkedHashSet<>();
        List<Finding> out = new ArrayList<>();
        for (Scored s : scored) {
            if (out.size() < MAX_NEAR && seen.add(s.finding().resource())) {
                out.add(s.finding());
            }
        }
        return out;
    }

    private static void byHost(ServiceEntry e, String host, int port, List<Scored> out) {
        for (String pattern : e.hosts()) {
            if (HostNames.matches(pattern, host) && hasPort(e, port)) {
                // Declared on this very port, yet refused: hidden from the caller's namespace.
                out.add(new Scored(100, new Finding(e.id(), "declares " + pattern + " on port " + port + ", but the"
                        + " caller's namespace does not see it (exportTo, or its Sidecar's imports)")));
            } else if (HostNames.matches(pattern, host)) {
                out.add(new Scored(100, new Finding(e.id(), "declares " + pattern + " on port " + ports(e) + ", not on "
                        + port)));
            } else if (pattern.startsWith("*.") && host.equals(pattern.substring(2))) {
                out.add(new Scored(90, new Finding(e.id(), "declares " + pattern + ", which does not match " + host
                        + " itself (a wildcard needs at least one more label); add " + host + " to its hosts")));
            } else if (hasPort(e, port)) {
                String bare = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
                int common = commonSuffixLabels(bare, host);
                if (common >= SAME_DOMAIN_LABELS) {
                    out.add(new Scored(50 + common, new Finding(e.id(), "declares " + pattern + " on port " + port
                            + ": the same domain (" + lastLabels(host, common) + "), another host")));
                }
            }
        }
    }

    private static void byAddress(ServiceEntry e, String host, byte[] ip, int port, List<Scored> out) {
        for (Cidr c : e.addresses()) {
            if (c.contains(ip) && hasPort(e, port)) {
                out.add(new Scored(100, new Finding(e.id(), "covers " + host + " (" + c + ") on port " + port + ", but"
                        + " the caller's namespace does not see it (exportTo, or its Sidecar's imports)")));
            } else if (c.contains(ip)) {
                out.add(new Scored(100, new Finding(e.id(), "covers " + host + " (" + c + ") on port " + ports(e)
                        + ", not on " + port)));
            }
        }
        for (Endpoint ep : e.endpoints()) {
            byte[] epIp = Cidr.literalBytes(ep.address());
            if (epIp != null && java.util.Arrays.equals(epIp, ip)) {
                out.add(new Scored(80, new Finding(e.id(), "has the endpoint " + ep.address() + ", but a connection"
                        + " by address is matched against spec.addresses only; add " + host + " to its addresses")));
            }
        }
        if (e.hosts().contains(host)) {
            out.add(new Scored(70, new Finding(e.id(), "lists " + host + " among its hosts, which match names;"
                    + " an address must be in spec.addresses")));
        }
    }

    private static boolean hostMatches(ServiceEntry e, String host) {
        return e.hosts().stream().anyMatch(p -> HostNames.matches(p, host));
    }

    /** The most specific of the entry's hosts that matches: the exact name, else the longest wildcard. */
    private static String patternFor(ServiceEntry e, String host) {
        return e.hosts().stream().filter(p -> HostNames.matches(p, host))
                .max(Comparator.comparing((String p) -> !p.startsWith("*")).thenComparingInt(String::length))
                .orElse(String.join(", ", e.hosts()));
    }

    private static String cidrFor(ServiceEntry e, byte[] ip) {
        return e.addresses().stream().filter(c -> c.contains(ip))
                .max(Comparator.comparingInt(Cidr::prefixLength)).map(Cidr::toString).orElse("?");
    }

    private static boolean hasPort(ServiceEntry e, int port) {
        return e.ports().stream().anyMatch(p -> p.number() == port);
    }

    private static String ports(ServiceEntry e) {
        return ServiceEntryIndex.portNumbers(e).stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static int commonSuffixLabels(String a, String b) {
        String[] x = LiteralSplit.droppingTrailingEmpty(a, '.');
        String[] y = LiteralSplit.droppingTrailingEmpty(b, '.');
        int n = 0;
        while (n < x.length && n < y.length && x[x.length - 1 - n].equals(y[y.length - 1 - n])) {
            n++;
        }
        return n;
    }

    private static String lastLabels(String host, int n) {
        String[] labels = LiteralSplit.droppingTrailingEmpty(host, '.');
        return String.join(".", java.util.Arrays.copyOfRange(labels, labels.length - n, labels.length));
    }

    private static InetAddress address(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + ip.length + " bytes", e);
        }
    }
}
