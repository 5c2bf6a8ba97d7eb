package io.portcullis.policy;

import io.portcullis.model.Cidr;
import io.portcullis.model.Endpoint;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a matched ServiceEntry port into the place to connect, following the entry's resolution
 * as the gateway role reads it: there is no original destination at a gateway, so NONE and
 * DYNAMIC_DNS resolve the name the client asked for; DNS resolves the entry's own host or
 * endpoint names; STATIC uses the endpoints.
 */
final class UpstreamPlanner {
    private UpstreamPlanner() {
    }

    /**
     * @param requestedHost the normalised name the client asked for, or null
     * @param requestedIp   the address the client asked for, or null
     * @param declaredFirst prefer the entry's endpoints and addresses over the requested name
     *                      (TCP routes, where the name comes from configuration, not the client)
     */
    static UpstreamTarget plan(PortBinding binding, String requestedHost, InetAddress requestedIp, boolean declaredFirst) {
        ServiceEntry entry = binding.entry();
        ServicePort port = binding.port();
        List<Candidate> endpoints = endpointCandidates(entry, port);
        switch (entry.resolution()) {
            case STATIC -> {
                if (!endpoints.isEmpty()) {
                    return new UpstreamTarget(endpoints);
                }
            }
            case DNS, DNS_ROUND_ROBIN -> {
                if (!endpoints.isEmpty()) {
                    return new UpstreamTarget(endpoints);
                }
                String exact = requestedHost != null && !requestedHost.isEmpty() ? requestedHost : firstExactHost(entry);
                if (exact != null) {
                    return UpstreamTarget.ofName(exact, port.upstreamPort());
                }
            }
            default -> {
                // NONE and the rest: decided below
            }
        }
        if (declaredFirst) {
            if (!endpoints.isEmpty()) {
                return new UpstreamTarget(endpoints);
            }
            List<Candidate> addresses = addressCandidates(entry, port);
            if (!addresses.isEmpty()) {
                return new UpstreamTarget(addresses);
            }
        }
        if (requestedIp != null) {
            return UpstreamTarget.ofAddress(requestedIp, port.upstreamPort());
        }
        if (requestedHost != null) {
            return UpstreamTarget.ofName(requestedHost, port.upstreamPort());
        }
        List<Candidate> addresses = addressCandidates(entry, port);
        if (!addresses.isEmpty()) {
            return new UpstreamTarget(addresses);
        }
        String exact = firstExactHost(entry);
        return exact == null ? null : UpstreamTarget.ofName(exact, port.upstreamPort());
    }

    private static List<Candidate> endpointCandidates(ServiceEntry entry, ServicePort port) {
        List<Candidate> out = new ArrayList<>();
        for (Endpoint ep : entry.endpoints()) {
            int p = ep.portFor(port);
            // The endpoint parsed its literal once, when the configuration was read.
            Optional<InetAddress> literal = ep.literal();
            out.add(literal.isPresent() ? Candidate.ofAddress(literal.get(), p) : Candidate.ofName(ep.address(), p));
        }
        return out;
    }

    private static List<Candidate> addressCandidates(ServiceEntry entry, ServicePort port) {
        List<Candidate> out = new ArrayList<>();
        for (Cidr cidr : entry.addresses()) {
            Optional<InetAddress> single = cidr.singleAddress();
            if (single.isPresent()) {
                out.add(Candidate.ofAddress(single.get(), port.upstreamPort()));
            }
        }
        return out;
    }

    private static String firstExactHost(ServiceEntry entry) {
        return entry.hosts().stream().filter(h -> !h.startsWith("*")).findFirst().orElse(null);
    }
}
