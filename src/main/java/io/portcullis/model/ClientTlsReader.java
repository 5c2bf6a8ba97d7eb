package io.portcullis.model;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.DestinationRule.ClientTlsMode;
import java.util.List;

/** Reads {@code ClientTLSSettings}: how Portcullis speaks TLS to an upstream (TLS origination, the hop to the gateway). */
final class ClientTlsReader {
    private ClientTlsReader() {
    }

    /** Null when {@code tls} is null. */
    static ClientTls read(Node tls) {
        if (tls == null) {
            return null;
        }
        // Istio's zero value.
        ClientTlsMode mode = tls.enumValue("mode", ClientTlsMode.class, ClientTlsMode.DISABLE);
        String clientCertificate = tls.string("clientCertificate");
        String privateKey = tls.string("privateKey");
        String caCertificates = tls.string("caCertificates");
        List<String> subjectAltNames = tls.strings("subjectAltNames");
        String sni = tls.string("sni");
        if (sni != null) {
            String problem = HostSyntax.hostProblem(HostSyntax.lower(sni), false);
            if (problem != null || HostSyntax.isWildcard(sni)) {
                tls.error("sni", "\"" + sni + "\" is not a server name (expected: an exact DNS name)");
            }
        }
        Boolean insecure = tls.bool("insecureSkipVerify");
        String credentialName = tls.string("credentialName");
        boolean credential = tls.has("credentialName");
        tls.notActedOn("caCrl", "Portcullis does not check revocation lists");
        if (credential) {
            for (String f : List.of("clientCertificate", "privateKey", "caCertificates")) {
                if (tls.has(f)) {
                    tls.error(f, "cannot be combined with credentialName (Istio refuses it too)");
                }
            }
        } else if (mode == ClientTlsMode.MUTUAL) {
            for (String f : List.of("clientCertificate", "privateKey")) {
                if (!tls.has(f)) {
                    tls.error(f, "required with mode MUTUAL");
                }
            }
        }
        if (Boolean.TRUE.equals(insecure)) {
            insecureConflicts(tls, mode, !subjectAltNames.isEmpty(), credential);
        }
        return new ClientTls(mode, clientCertificate, privateKey, caCertificates, subjectAltNames,
                sni == null ? null : HostSyntax.lower(sni), Boolean.TRUE.equals(insecure),
                java.util.Optional.ofNullable(credentialName).filter(n -> !n.isEmpty()).map(CredentialRef::unbound));
    }

    /**
     * Istio refuses verification settings next to {@code insecureSkipVerify: true}: they would be silently
     * dropped. With MUTUAL a credentialName also carries the client key, so only SIMPLE refuses it.
     */
    private static void insecureConflicts(Node tls, ClientTlsMode mode, boolean sans, boolean credential) {
        if (mode != ClientTlsMode.SIMPLE && mode != ClientTlsMode.MUTUAL) {
            return;
        }
        String why = "cannot be set with insecureSkipVerify: true (verification is off, so it would be ignored)";
        if (tls.has("caCertificates")) {
            tls.error("caCertificates", why);
        }
        if (sans) {
            tls.error("subjectAltNames", why);
        }
        if (credential && mode == ClientTlsMode.SIMPLE) {
            tls.error("credentialName", why);
        }
    }
}
