package io.portcullis.model;

import io.portcullis.model.VirtualService.L4Match;
import io.portcullis.model.VirtualService.TcpRoute;
import io.portcullis.model.VirtualService.TlsRoute;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps and validates the {@code spec} of a {@code networking.istio.io VirtualService}: its
 * {@code http}, {@code tls} and {@code tcp} routes.
 */
final class VirtualServiceMapper {
    private VirtualServiceMapper() {
    }

    static VirtualService map(ResourceId id, Node spec) {
        List<String> gateways = GatewayRefs.read(spec, "gateways");
        boolean boundToMesh = gateways.isEmpty() || gateways.contains("mesh");
        boolean http = spec.has("http");
        boolean delegate = spec.isEmptyList("hosts") && http;
        List<String> hosts = delegate ? List.of() : hosts(spec, boundToMesh);
        if (delegate) {
            delegateRules(spec);
        }
        HttpRouteCheck.check(spec, delegate, boundToMesh);
        List<HttpRoute> httpRoutes = delegate ? List.of() : HttpRouteReader.read(spec);
        if (!http && spec.isEmptyList("tls") && spec.isEmptyList("tcp")) {
            spec.errorHere("at least one of tls, tcp or http routes is required");
        }
        List<TlsRoute> tls = new ArrayList<>();
        for (Node r : spec.children("tls", "VirtualService.TLSRoute")) {
            if (r.isEmptyList("match")) {
                r.error("match", "required (at least one match with sniHosts)");
            }
            List<L4Match> matches = new ArrayList<>();
            for (Node m : r.children("match", "VirtualService.TLSMatchAttributes")) {
                matches.add(MatchReader.read(m, true, hosts));
            }
            tls.add(new TlsRoute(matches, RouteReader.read(r)));
        }
        List<TcpRoute> tcp = new ArrayList<>();
        for (Node r : spec.children("tcp", "VirtualService.TCPRoute")) {
            List<L4Match> matches = new ArrayList<>();
            for (Node m : r.children("match", "VirtualService.L4MatchAttributes")) {
                matches.add(MatchReader.read(m, false, hosts));
            }
            tcp.add(new TcpRoute(matches, RouteReader.read(r)));
        }
        List<String> exportTo = ExportTo.read(spec, false, id.namespace(), false);
        return new VirtualService(id, hosts, gateways, httpRoutes, tls, tcp, exportTo);
    }

    /**
     * Istio's host rules: DNS names with an optional wildcard first label, IP addresses, Istio's internal
     * {@code outbound_.PORT_._.HOST} SNI names on gateways; no bare {@code *} for sidecars; no two hosts that
     * overlap.
     */
    private static List<String> hosts(Node spec, boolean boundToMesh) {
        List<String> raw = spec.strings("hosts");
        if (spec.isEmptyList("hosts")) {
            spec.error("hosts", "required (at least one host)");
        }
        boolean sni = false;
        JsonNode tls = spec.raw("tls");
        if (tls != null && tls.isArray()) {
            for (JsonNode r : tls) {
                for (JsonNode m : r.path("match")) {
                    sni |= m.path("sniHosts").size() > 0;
                }
            }
        }
        List<String> hosts = new ArrayList<>();
        boolean allValid = true;
        for (int i = 0; i < raw.size(); i++) {
            String host = HostSyntax.lower(raw.get(i));
            String where = spec.elementPath("hosts", i);
            String problem = HostSyntax.hostProblem(host, true);
            if (problem != null && (HostSyntax.isIpLiteral(host) || (!boundToMesh && sni
                    && HostSyntax.isOutboundSniName(host)))) {
                problem = null;
            } else if (problem == null && boundToMesh && host.equals("*")) {
                problem = "\"*\" is not allowed for a VirtualService applied to sidecars (mesh); name the hosts";
            }
            if (problem != null) {
                spec.findings().error(where, problem);
                allValid = false;
            }
            hosts.add(host);
        }
        for (int i = 0; allValid && i < hosts.size(); i++) {
            for (int j = i + 1; j < hosts.size(); j++) {
                if (HostSyntax.isSubsetOf(hosts.get(i), hosts.get(j)) || HostSyntax.isSubsetOf(hosts.get(j), hosts.get(i))) {
                    spec.findings().error(spec.elementPath("hosts", j), "\"" + hosts.get(j) + "\" overlaps \""
                            + hosts.get(i) + "\" (hosts in one VirtualService must not overlap)");
                }
            }
        }
        return hosts;
    }

    /** A VirtualService without hosts is Istio's delegate: only http routes, no gateways. */
    private static void delegateRules(Node spec) {
        for (String f : List.of("gateways", "tls", "tcp")) {
            if (!spec.isEmptyList(f)) {
                spec.error(f, "a delegate VirtualService (one without hosts) cannot have " + f);
            }
        }
        spec.warning("hosts", "absent: an Istio delegate VirtualService, included by another's http route;"
                + " accepted but not acted on by Portcullis (delegation is not served)");
    }
}
