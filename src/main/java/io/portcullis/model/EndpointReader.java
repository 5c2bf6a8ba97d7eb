package io.portcullis.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads one {@code ServiceEntry.endpoints[]} entry (Istio's {@code WorkloadEntry}). */
final class EndpointReader {
    private static final String UNIX_PREFIX = "unix://";

    private EndpointReader() {
    }

    /**
     * @param resolution the entry's resolution, which decides what an address may be; null when invalid
     * @param portNames  the names of the entry's ports, which {@code ports} keys must be
     */
    static Optional<Endpoint> read(Node e, Resolution resolution, Set<String> portNames) {
        String address = e.string("address");
        boolean usable = true;
        if ((address == null || address.isEmpty()) && !e.has("network")) {
            e.error("address", "required");
        } else if (address == null || address.isEmpty()) {
            e.warning("address", "absent: an endpoint on another network (network set), reached through that network's"
                    + " gateway; accepted but not acted on by Portcullis (it has one network)");
            usable = false;
        } else if (address.startsWith(UNIX_PREFIX)) {
            usable = false;
            String path = address.substring(UNIX_PREFIX.length());
            if (path.isEmpty()) {
                e.error("address", "a unix domain socket address needs a path after " + UNIX_PREFIX);
            } else if (!path.startsWith("@") && (!path.startsWith("/") || path.endsWith("/"))) {
                e.error("address", "\"" + path + "\" is not an absolute path to a socket file (or an @abstract name)");
            } else if (portNames.size() != 1) {
                e.error("address", "a unix domain socket endpoint needs exactly one port in spec.ports (found "
                        + portNames.size() + ")");
            } else {
                e.warning("address", "a unix domain socket; accepted but not acted on by Portcullis (it connects"
                        + " over the network only)");
            }
            if (!e.isEmptyObject() && e.raw("ports") != null && e.raw("ports").size() > 0) {
                e.error("ports", "a unix domain socket endpoint has no ports");
            }
        } else if (resolution != null) {
            checkAddress(e, address, resolution);
        }
        LabelSyntax.check(e.raw("labels"), e.fieldPath("labels"), e.findings());
        Map<String, Integer> ports = new LinkedHashMap<>();
        e.entries("ports").forEach((name, value) -> {
            String where = Node.join(e.fieldPath("ports"), name);
            if (!portNames.contains(name)) {
                e.findings().error(where, "no port named \"" + name + "\" in spec.ports (expected one of: "
                        + String.join(", ", portNames) + ")");
            }
            Integer p = Node.checkInteger(value, where, 1, 65535, e.findings());
            if (p != null) {
                ports.put(name, p);
            }
        });
        Map<String, String> labels = e.stringMap("labels");
        e.notActedOn("network", "Portcullis has one network");
        e.notActedOn("locality", "Portcullis does not balance by locality");
        e.notActedOn("weight", "Portcullis does not weigh endpoints");
        e.notActedOn("serviceAccount", "Portcullis does not check an endpoint's identity");
        return usable ? Optional.of(new Endpoint(address, ports, labels)) : Optional.empty();
    }

    private static void checkAddress(Node e, String address, Resolution resolution) {
        boolean ip = HostSyntax.isIpLiteral(address);
        Optional<String> ambiguous = DottedQuad.ambiguity(address);
        if (ambiguous.isPresent()) {
            e.error("address", "\"" + address + "\" is not an IP address: " + ambiguous.get());
        } else if (resolution == Resolution.STATIC && !ip) {
            e.error("address", "\"" + address + "\" is not an IP address (resolution STATIC needs IP endpoints;"
                    + " use resolution DNS for names)");
        } else if (!ip && (resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN)) {
            String lower = HostSyntax.lower(address);
            if (HostSyntax.isWildcard(lower) || HostSyntax.hostProblem(lower, false) != null) {
                e.error("address", "\"" + address + "\" is neither an IP address nor a DNS name");
            }
        }
    }
}
