package io.portcullis.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads one {@code ServiceEntry.endpoints[]} entry (Istio's {@code WorkloadEntry}). */
final class EndpointReader {
    private EndpointReader() {
    }

    /**
     * @param resolution the entry's resolution, which decides what an address may be; null when invalid
     * @param portNames  the names of the entry's ports, which {@code ports} keys must be
     */
    static Endpoint read(Node e, Resolution resolution, Set<String> portNames) {
        String address = e.requiredString("address");
        if (address != null && resolution != null) {
            checkAddress(e, address, resolution);
        }
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
        return new Endpoint(address == null ? "" : address, ports, labels);
    }

    private static void checkAddress(Node e, String address, Resolution resolution) {
        if (address.startsWith("unix://")) {
            e.error("address", "unix domain socket endpoints are not supported by Portcullis");
            return;
        }
        boolean ip = HostSyntax.isIpLiteral(address);
        if (resolution == Resolution.STATIC && !ip) {
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
