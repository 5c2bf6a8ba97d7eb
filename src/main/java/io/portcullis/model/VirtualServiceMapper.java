package io.portcullis.model;

import io.portcullis.model.VirtualService.L4Match;
import io.portcullis.model.VirtualService.TcpRoute;
import io.portcullis.model.VirtualService.TlsRoute;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps and validates the {@code spec} of a {@code networking.istio.io VirtualService}: its
 * {@code tls} and {@code tcp} routes. {@code http} routes are accepted with a warning and not read.
 */
final class VirtualServiceMapper {
    private VirtualServiceMapper() {
    }

    static VirtualService map(ResourceId id, Node spec) {
        List<String> hosts = HostSyntax.readHosts(spec, "hosts", true);
        List<String> gateways = GatewayRefs.read(spec, "gateways");
        boolean http = spec.has("http");
        spec.notActedOn("http", "Portcullis reads tls and tcp routes; plain HTTP is allowed by a ServiceEntry's"
                + " hosts and ports");
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
        List<String> exportTo = ExportTo.read(spec, false);
        return new VirtualService(id, hosts, gateways, tls, tcp, exportTo);
    }
}
