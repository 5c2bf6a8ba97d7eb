package io.portcullis.model;

import io.portcullis.model.VirtualService.L4Match;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code TLSMatchAttributes} and {@code L4MatchAttributes} of a VirtualService route. */
final class MatchReader {
    private MatchReader() {
    }

    /**
     * @param tls     whether this is a {@code tls[].match[]} (with {@code sniHosts}) rather than {@code tcp[].match[]}
     * @param vsHosts the VirtualService's hosts, which every SNI host must fall under (Istio's rule)
     */
    static L4Match read(Node m, boolean tls, List<String> vsHosts) {
        List<String> sniHosts = tls ? sniHosts(m, vsHosts) : List.of();
        List<Cidr> subnets = new ArrayList<>();
        List<String> raw = m.strings("destinationSubnets");
        for (int i = 0; i < raw.size(); i++) {
            try {
                subnets.add(Cidr.parse(raw.get(i)));
            } catch (IllegalArgumentException e) {
                m.findings().error(m.elementPath("destinationSubnets", i), e.getMessage());
            }
        }
        int port = m.port("port");
        List<String> gateways = GatewayRefs.read(m, "gateways");
        String sourceNamespace = m.string("sourceNamespace");
        if (sourceNamespace != null && !HostSyntax.isLabel(sourceNamespace)) {
            m.error("sourceNamespace", "\"" + sourceNamespace + "\" is not a namespace name");
        }
        m.notActedOn("sourceLabels", "Portcullis identifies callers by certificate, not by labels");
        if (!tls) {
            m.notActedOn("sourceSubnet", "Istio does not implement it either");
        }
        return new L4Match(sniHosts, subnets, port, gateways, sourceNamespace);
    }

    private static List<String> sniHosts(Node m, List<String> vsHosts) {
        List<String> raw = m.strings("sniHosts");
        if (m.isEmptyList("sniHosts")) {
            m.error("sniHosts", "required (at least one SNI host)");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String host = HostSyntax.lower(raw.get(i));
            String where = m.elementPath("sniHosts", i);
            String problem = HostSyntax.hostProblem(host, true);
            if (HostSyntax.isIpLiteral(host)) {
                m.findings().warning(where, "\"" + host + "\" is an IP address; SNI carries names only, so most clients"
                        + " never send it and this match is unlikely to apply");
            } else if (problem != null && HostSyntax.isOutboundSniName(host) && vsHosts.contains(host)) {
                m.findings().warning(where, "Istio's internal AUTO_PASSTHROUGH name; matched literally by Portcullis");
            } else if (problem != null) {
                m.findings().error(where, problem);
            } else if (vsHosts.stream().noneMatch(h -> HostSyntax.isSubsetOf(host, h))) {
                m.findings().error(where, "SNI host \"" + host + "\" is not covered by any of the VirtualService's"
                        + " hosts " + vsHosts);
            }
            out.add(host);
        }
        return out;
    }
}
