package io.portcullis.model;

import java.util.List;
import java.util.Map;

/**
 * {@code networking.istio.io Gateway}: each server opens a listener on its port in the gateway role.
 */
public record Gateway(ResourceId id, Map<String, String> selector, List<Server> servers) implements Resource {
    public Gateway {
        selector = Map.copyOf(selector);
        servers = List.copyOf(servers);
    }

    /** {@code Gateway.servers[]}. */
    public record Server(ServicePort port, List<String> hosts, ServerTls tls, String name) {
        public Server {
            hosts = List.copyOf(hosts);
        }
    }

    /** {@code Gateway.servers[].tls}; {@code null} on a server without TLS settings. */
    public record ServerTls(
            ServerTlsMode mode,
            String serverCertificate,
            String privateKey,
            String caCertificates,
            List<String> subjectAltNames,
            java.util.Optional<CredentialRef> credential) {
        public ServerTls {
            subjectAltNames = List.copyOf(subjectAltNames);
        }

        /** Settings from files only, without {@code credentialName}. */
        public ServerTls(ServerTlsMode mode, String serverCertificate, String privateKey, String caCertificates,
                         List<String> subjectAltNames) {
            this(mode, serverCertificate, privateKey, caCertificates, subjectAltNames, java.util.Optional.empty());
        }

        /** A copy with {@code credentialName} bound (see {@link CredentialBinder}). */
        public ServerTls withCredential(CredentialRef bound) {
            return new ServerTls(mode, serverCertificate, privateKey, caCertificates, subjectAltNames,
                    java.util.Optional.of(bound));
        }
    }

    /** {@code ServerTLSSettings.TLSmode}. */
    public enum ServerTlsMode { PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL }
}
