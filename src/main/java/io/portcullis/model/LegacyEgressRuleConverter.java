package io.portcullis.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Converts Istio 0.7's {@code config.istio.io/v1alpha2 EgressRule} into the equivalent
 * ServiceEntry, keeping the id kind {@code EgressRule} so it never collides with a real
 * ServiceEntry of the same name.
 *
 * <ul>
 *   <li>{@code destination.service} an exact name: hosts [name], resolution DNS;</li>
 *   <li>a {@code *.suffix} wildcard: hosts [wildcard], resolution NONE;</li>
 *   <li>an IP or CIDR: addresses [cidr], resolution NONE, and hosts [{@code egressrule-NAME.NAMESPACE.internal}],
 *       a name nobody connects to, since a ServiceEntry must have a host and TCP is matched by address;</li>
 *   <li>each {@code ports[]} {port, protocol} becomes a port named {@code <protocol>-<port>}.</li>
 * </ul>
 */
final class LegacyEgressRuleConverter {
    static final String KIND = "EgressRule";

    private LegacyEgressRuleConverter() {
    }

    static ServiceEntry convert(ResourceId id, Node spec) {
        int errorsBefore = spec.findings().errorCount();
        String service = destinationService(spec);
        List<ServicePort> ports = ports(spec);
        spec.notActedOn("useEgressProxy", "Portcullis is the egress proxy");
        if (service == null) {
            return null;
        }
        List<String> hosts;
        List<Cidr> addresses = new ArrayList<>();
        Resolution resolution;
        String where = spec.fieldPath("destination") + ".service";
        if (service.contains("/") || HostSyntax.isIpLiteral(service)) {
            try {
                addresses.add(Cidr.parse(service));
            } catch (IllegalArgumentException e) {
                spec.findings().error(where, e.getMessage());
                return null;
            }
            hosts = List.of("egressrule-" + id.name() + "." + id.namespace() + ".internal");
            resolution = Resolution.NONE;
        } else {
            String host = HostSyntax.lower(service);
            String problem = HostSyntax.hostProblem(host, false);
            if (problem != null) {
                spec.findings().error(where, problem);
                return null;
            }
            for (ServicePort p : ports) {
                if (p.protocol() != null && p.protocol().isOpaqueTcp()) {
                    spec.findings().error(where, "\"" + service + "\" is a host name, but a " + p.protocol()
                            + " EgressRule needs an IP address or CIDR block (as in Istio 0.7)");
                    return null;
                }
            }
            hosts = List.of(host);
            resolution = HostSyntax.isWildcard(host) ? Resolution.NONE : Resolution.DNS;
        }
        ServiceEntry entry = new ServiceEntry(id, hosts, addresses, ports, Location.MESH_EXTERNAL, resolution,
                List.of(), List.of());
        if (spec.findings().errorCount() > errorsBefore) {
            return null;
        }
        spec.findings().warning(null, "EgressRule (config.istio.io/v1alpha2) is deprecated since Istio 0.8;"
                + " treated as the ServiceEntry " + describe(entry));
        return entry;
    }

    private static String destinationService(Node spec) {
        Node destination = spec.child("destination", "EgressRule.IstioService");
        if (destination == null) {
            if (!spec.has("destination")) {
                spec.error("destination", "required (destination.service: a host, *.suffix, IP or CIDR)");
            }
            return null;
        }
        for (String f : List.of("name", "namespace", "domain", "labels")) {
            if (destination.has(f)) {
                destination.error(f, "not supported: Portcullis converts an EgressRule by destination.service only");
            }
        }
        return destination.requiredString("service");
    }

    private static List<ServicePort> ports(Node spec) {
        if (spec.isEmptyList("ports")) {
            spec.error("ports", "required (at least one {port, protocol})");
        }
        List<ServicePort> ports = new ArrayList<>();
        for (Node p : spec.children("ports", "EgressRule.Port")) {
            if (!p.has("port")) {
                p.error("port", "required");
            }
            int number = p.port("port");
            Protocol protocol = null;
            String text = p.requiredString("protocol");
            if (text != null) {
                protocol = PortReader.parseProtocol(text);
                if (protocol == null) {
                    p.error("protocol", "\"" + text + "\" is not a supported protocol (expected one of: "
                            + PortReader.PROTOCOLS + ", in either case)");
                }
            }
            String name = protocol == null ? null : protocol.name().toLowerCase(Locale.ROOT) + "-" + number;
            ports.add(new ServicePort(number, name, protocol, 0));
        }
        return ports;
    }

    private static String describe(ServiceEntry e) {
        String ports = e.ports().stream().map(p -> p.name() + " " + p.number() + "/" + p.protocol())
                .collect(Collectors.joining(", "));
        return "hosts " + e.hosts() + (e.addresses().isEmpty() ? "" : ", addresses " + e.addresses())
                + ", ports [" + ports + "], resolution " + e.resolution();
    }
}
