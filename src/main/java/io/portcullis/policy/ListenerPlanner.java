package io.portcullis.policy;

import io.portcullis.model.Gateway;
import io.portcullis.model.Gateway.ServerTlsMode;
import io.portcullis.model.Problem;
import io.portcullis.model.Protocol;
import io.portcullis.model.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the {@code Gateway} servers of a configuration into one listener per port, keeping the
 * servers this version cannot serve out with a warning that says why.
 */
final class ListenerPlanner {
    private ListenerPlanner() {
    }

    /** Plans the listeners of {@code gateways}, the Gateways of {@code set} this instance serves. */
    static List<ListenerSpec> plan(ResourceSet set, List<Gateway> gateways, List<Problem> notes) {
        Map<Integer, ListenerSpec> byPort = new TreeMap<>();
        for (Gateway gateway : gateways) {
            for (int i = 0; i < gateway.servers().size(); i++) {
                Gateway.Server server = gateway.servers().get(i);
                ServerTlsMode mode = server.tls() == null ? null : server.tls().mode();
                String unsupported = unsupported(server, mode);
                if (unsupported != null) {
                    notes.add(Problem.warning(set.origin(gateway.id()), gateway.id(), "spec.servers[" + i + "]",
                            "no listener opened on port " + server.port().number() + ": " + unsupported));
                    continue;
                }
                int port = server.port().number();
                ListenerSpec.ServerRef ref = new ListenerSpec.ServerRef(gateway.id(), server.hosts(), server.tls());
                ListenerSpec existing = byPort.get(port);
                if (existing == null) {
                    byPort.put(port, new ListenerSpec(port, server.port().protocol(), mode, List.of(ref), server.tls()));
                } else if (existing.protocol() == server.port().protocol() && existing.tlsMode() == mode) {
                    List<ListenerSpec.ServerRef> refs = new ArrayList<>(existing.servers());
                    refs.add(ref);
                    byPort.put(port, new ListenerSpec(port, existing.protocol(), mode, refs, existing.tls()));
                    if (existing.isMutualTls() && !sameCertificates(existing.tls(), server.tls())) {
                        notes.add(Problem.warning(set.origin(gateway.id()), gateway.id(), "spec.servers[" + i + "].tls",
                                "port " + port + " already terminates TLS with the certificates of "
                                        + existing.servers().get(0).gateway() + "; one listener presents one"
                                        + " certificate, so this server's certificate files are not used"));
                    }
                } else {
                    notes.add(Problem.warning(set.origin(gateway.id()), gateway.id(), "spec.servers[" + i + "]",
                            "port " + port + " is already served as " + existing.protocol()
                                    + " by " + existing.servers().get(0).gateway() + "; this server is ignored"));
                }
            }
        }
        return List.copyOf(byPort.values());
    }

    private static String unsupported(Gateway.Server server, ServerTlsMode mode) {
        boolean tlsProtocol = server.port().protocol().isTls();
        if (mode == null) {
            if (tlsProtocol) {
                return "a " + server.port().protocol() + " server needs tls.mode (PASSTHROUGH is served)";
            }
            if (server.port().protocol().isHttp() && server.port().protocol() != Protocol.HTTP) {
                return "plain " + server.port().protocol() + " (h2c) servers are not served by this version (HTTP/1.1 is)";
            }
            return null;
        }
        if (tlsProtocol && (mode == ServerTlsMode.PASSTHROUGH || mode == ServerTlsMode.MUTUAL
                || mode == ServerTlsMode.ISTIO_MUTUAL)) {
            return null;
        }
        if (server.port().protocol() == Protocol.HTTPS
                && (mode == ServerTlsMode.SIMPLE || mode == ServerTlsMode.OPTIONAL_MUTUAL)) {
            return null;
        }
        return "tls.mode " + mode + " on a " + server.port().protocol() + " server is not served by this version"
                + " (PASSTHROUGH, MUTUAL and ISTIO_MUTUAL on TLS/HTTPS, SIMPLE and OPTIONAL_MUTUAL on HTTPS,"
                + " plain HTTP and plain TCP are)";
    }

    private static boolean sameCertificates(Gateway.ServerTls a, Gateway.ServerTls b) {
        return a.mode() == b.mode() && java.util.Objects.equals(a.serverCertificate(), b.serverCertificate())
                && java.util.Objects.equals(a.privateKey(), b.privateKey())
                && java.util.Objects.equals(a.caCertificates(), b.caCertificates())
                && a.credential().equals(b.credential());
    }
}
