package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Maps and validates the {@code spec} of a {@code networking.istio.io ServiceEntry}, with Istio's
 * rules (pilot's {@code ValidateServiceEntry}) and Portcullis's {@code DYNAMIC_DNS}.
 */
final class ServiceEntryMapper {
    private ServiceEntryMapper() {
    }

    static ServiceEntry map(ResourceId id, Node spec) {
        return map(id, spec, false);
    }

    /** @param usesWaypoint whether the entry's labels send it through an ambient waypoint (istio.io/use-waypoint) */
    static ServiceEntry map(ResourceId id, Node spec, boolean usesWaypoint) {
        List<String> hosts = HostSyntax.readHosts(spec, "hosts", false);
        List<String> rawAddresses = spec.strings("addresses");
        List<Cidr> addresses = addresses(spec, rawAddresses);
        List<ServicePort> ports = ports(spec);
        Location location = spec.enumValue("location", Location.class, Location.MESH_EXTERNAL);
        Resolution resolution = spec.enumValue("resolution", Resolution.class, Resolution.NONE);
        List<Node> endpointNodes = spec.children("endpoints", "ServiceEntry.WorkloadEntry");
        List<String> exportTo = ExportTo.read(spec, true, id.namespace(), false);
        JsonNode selector = spec.raw("workloadSelector");
        if (selector != null) {
            LabelSyntax.check(selector.get("labels"), spec.fieldPath("workloadSelector") + ".labels", spec.findings());
            if (spec.has("endpoints")) {
                spec.error("workloadSelector", "cannot be combined with endpoints (Istio allows one of the two)");
            }
        }
        spec.notActedOn("subjectAltNames", "Portcullis verifies an upstream's certificate from its DestinationRule");
        spec.notActedOn("workloadSelector", "Portcullis has no workloads to select; list endpoints instead");

        Set<String> portNames = new LinkedHashSet<>();
        ports.stream().map(ServicePort::name).filter(Objects::nonNull).forEach(portNames::add);
        List<Endpoint> endpoints = new ArrayList<>();
        for (Node e : endpointNodes) {
            EndpointReader.read(e, resolution, portNames).ifPresent(endpoints::add);
        }
        if (resolution != null) {
            new Rules(spec, hosts, rawAddresses, addresses, ports, resolution, endpoints).check();
        }
        if (usesWaypoint && resolution == Resolution.DYNAMIC_DNS && location == Location.MESH_INTERNAL) {
            spec.error("location", "MESH_INTERNAL with resolution DYNAMIC_DNS cannot go through a waypoint"
                    + " (label istio.io/use-waypoint)");
        }
        List<Cidr> valid = addresses.stream().filter(Objects::nonNull).toList();
        boolean allLeftOut = !endpointNodes.isEmpty() && endpoints.isEmpty();
        if ((resolution == Resolution.STATIC && endpoints.isEmpty()) || allLeftOut) {
            // Istio fills a STATIC entry without endpoints from workloads Portcullis does not see, and sends an entry
            // whose endpoints are all sockets or remote networks there; Portcullis has no such address, so the entry
            // allows nothing rather than falling back to the host's public address.
            spec.warning("endpoints", "none that Portcullis can use" + (allLeftOut ? "" : " with resolution STATIC")
                    + "; accepted but not acted on by Portcullis (this entry allows no destination)");
            ports = List.of();
        }
        return new ServiceEntry(id, hosts, valid, ports, location, resolution, endpoints, exportTo);
    }

    /** One per raw address, null where it is invalid, so indexes still name the right element. */
    private static List<Cidr> addresses(Node spec, List<String> raw) {
        List<Cidr> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            try {
                out.add(Cidr.parse(raw.get(i)));
            } catch (IllegalArgumentException e) {
                spec.findings().error(spec.elementPath("addresses", i), e.getMessage());
                out.add(null);
            }
        }
        return out;
    }

    private static List<ServicePort> ports(Node spec) {
        List<Node> nodes = spec.children("ports", "ServiceEntry.ServicePort");
        if (spec.isEmptyList("ports")) {
            spec.warning("ports", "absent; accepted but not acted on by Portcullis (it allows a destination only on a"
                    + " declared port, so this entry allows nothing)");
        }
        List<ServicePort> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        for (Node n : nodes) {
            ServicePort p = PortReader.serviceEntryPort(n);
            if (p.name() != null && !names.add(p.name())) {
                n.error("name", "port name \"" + p.name() + "\" is already used by another port of this entry");
            }
            if (p.number() != 0 && !numbers.add(p.number())) {
                n.error("number", "port " + p.number() + " is already declared by another port of this entry");
            }
            ports.add(p);
        }
        return ports;
    }

    /** The rules that tie hosts, addresses, ports and endpoints to the resolution mode. */
    private record Rules(Node spec, List<String> hosts, List<String> rawAddresses, List<Cidr> addresses,
                         List<ServicePort> ports, Resolution resolution, List<Endpoint> endpoints) {

        void check() {
            cidrsOnlyWithNoneOrStatic();
            switch (resolution) {
                case NONE -> {
                    if (!endpoints.isEmpty()) {
                        spec.error("endpoints", "must be empty with resolution NONE (the destination address the"
                                + " client asked for is used)");
                    }
                    warnOpenTcpPorts();
                }
                case STATIC -> {
                    // No endpoints: accepted and made inert by map(), as Istio accepts it.
                }
                case DNS, DNS_ROUND_ROBIN -> {
                    if (endpoints.isEmpty()) {
                        wildcardsNeedEndpoints();
                    }
                    if (resolution == Resolution.DNS_ROUND_ROBIN && endpoints.size() > 1) {
                        spec.error("endpoints", "at most one endpoint with resolution DNS_ROUND_ROBIN (found "
                                + endpoints.size() + ")");
                    }
                }
                case DYNAMIC_DNS -> dynamicDns();
                default -> throw new IllegalStateException("unhandled resolution " + resolution);
            }
            multipleHostsNeedNamedProtocols();
        }

        private void cidrsOnlyWithNoneOrStatic() {
            if (resolution == Resolution.NONE || resolution == Resolution.STATIC) {
                return;
            }
            for (int i = 0; i < addresses.size(); i++) {
                Cidr c = addresses.get(i);
                if (c != null && !c.isSingleAddress()) {
                    spec.findings().error(spec.elementPath("addresses", i), "\"" + rawAddresses.get(i)
                            + "\" is a CIDR range, allowed only with resolution NONE or STATIC (resolution is "
                            + resolution + ")");
                }
            }
        }

        private void wildcardsNeedEndpoints() {
            for (int i = 0; i < hosts.size(); i++) {
                if (HostSyntax.isWildcard(hosts.get(i))) {
                    spec.findings().error(spec.elementPath("hosts", i), "wildcard host \"" + hosts.get(i)
                            + "\" needs endpoints with resolution " + resolution + " (there is no one name to"
                            + " resolve); use resolution NONE or DYNAMIC_DNS");
                }
            }
        }

        private void dynamicDns() {
            for (int i = 0; i < hosts.size(); i++) {
                if (!HostSyntax.isWildcard(hosts.get(i))) {
                    spec.findings().error(spec.elementPath("hosts", i), "\"" + hosts.get(i) + "\" is not a wildcard;"
                            + " resolution DYNAMIC_DNS takes only *.suffix hosts (use DNS for an exact name)");
                }
            }
            if (!endpoints.isEmpty()) {
                spec.error("endpoints", "must be empty with resolution DYNAMIC_DNS (the name the client sent is"
                        + " resolved)");
            }
            if (!rawAddresses.isEmpty()) {
                spec.error("addresses", "must be empty with resolution DYNAMIC_DNS (the name the client sent is"
                        + " resolved)");
            }
            for (int i = 0; i < ports.size(); i++) {
                Protocol p = ports.get(i).protocol();
                if (p != null && p.isOpaqueTcp()) {
                    spec.findings().error(spec.elementPath("ports", i), "protocol " + p + " carries no host name;"
                            + " resolution DYNAMIC_DNS needs HTTP or TLS ports (Host header or SNI)");
                }
            }
        }

        /** Istio's rule: plain TCP carries no name, so several hosts cannot be told apart unless NONE. */
        private void multipleHostsNeedNamedProtocols() {
            if (resolution == Resolution.NONE || resolution == Resolution.DYNAMIC_DNS || hosts.size() < 2) {
                return;
            }
            for (ServicePort p : ports) {
                if (p.protocol() != null && !p.protocol().isHttp() && !p.protocol().isTls()) {
                    spec.error("hosts", "several hosts with a " + p.protocol() + " port (" + p.number()
                            + ") need resolution NONE: plain TCP carries no name to tell the hosts apart");
                    return;
                }
            }
        }

        private void warnOpenTcpPorts() {
            if (!rawAddresses.isEmpty()) {
                return;
            }
            for (int i = 0; i < ports.size(); i++) {
                ServicePort p = ports.get(i);
                if (p.protocol() != null && p.protocol().isOpaqueTcp()) {
                    spec.findings().warning(spec.elementPath("ports", i), "port " + p.number() + " (" + p.protocol()
                            + ") with resolution NONE and no addresses matches every destination address on that"
                            + " port; add addresses to narrow it");
                }
            }
        }
    }
}
