package io.portcullis.model;

import java.util.List;
import java.util.Map;

/**
 * {@code networking.istio.io DestinationRule}: how to talk to a host once routed, in particular
 * the client TLS settings used for TLS origination and for the sidecar-to-gateway hop.
 */
public record DestinationRule(
        ResourceId id,
        String host,
        TrafficPolicy trafficPolicy,
        List<Subset> subsets,
        List<String> exportTo) implements Resource {

    public DestinationRule {
        subsets = List.copyOf(subsets);
        exportTo = List.copyOf(exportTo);
    }

    /** {@code TrafficPolicy}; any part may be null when absent. */
    public record TrafficPolicy(String loadBalancer, ClientTls tls, List<PortTrafficPolicy> portLevelSettings) {
        public TrafficPolicy {
            portLevelSettings = List.copyOf(portLevelSettings);
        }
    }

    /** {@code TrafficPolicy.PortTrafficPolicy}. */
    public record PortTrafficPolicy(int port, String loadBalancer, ClientTls tls) {}

    /** {@code Subset}. */
    public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
        public Subset {
            labels = Map.copyOf(labels);
        }
    }

    /** {@code ClientTLSSettings}. File paths are null when absent. */
    public record ClientTls(
            ClientTlsMode mode,
            String clientCertificate,
            String privateKey,
            String caCertificates,
            List<String> subjectAltNames,
            String sni,
            boolean insecureSkipVerify,
            java.util.Optional<CredentialRef> credential) {
        public ClientTls {
            subjectAltNames = List.copyOf(subjectAltNames);
        }

        /** Settings from files only, without {@code credentialName}. */
        public ClientTls(ClientTlsMode mode, String clientCertificate, String privateKey, String caCertificates,
                         List<String> subjectAltNames, String sni, boolean insecureSkipVerify) {
            this(mode, clientCertificate, privateKey, caCertificates, subjectAltNames, sni, insecureSkipVerify,
                    java.util.Optional.empty());
        }

        /** A copy with {@code credentialName} bound (see {@link CredentialBinder}). */
        public ClientTls withCredential(CredentialRef bound) {
            return new ClientTls(mode, clientCertificate, privateKey, caCertificates, subjectAltNames, sni,
                    insecureSkipVerify, java.util.Optional.of(bound));
        }
    }

    /** {@code ClientTLSSettings.TLSmode}. */
    public enum ClientTlsMode { DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL }
}
