package io.portcullis.model;

import io.portcullis.model.Gateway.ServerTls;
import io.portcullis.model.Gateway.ServerTlsMode;
import java.util.List;

/** Reads {@code Gateway.servers[].tls} (Istio's {@code ServerTLSSettings}) with pilot's {@code validateTLSOptions} rules. */
final class ServerTlsReader {
    private static final String NO_SECRETS = "Portcullis reads one Secret per server: credentialName";

    private ServerTlsReader() {
    }

    static ServerTls read(Node tls) {
        // Istio's zero value: a server with TLS settings but no mode passes TLS through.
        ServerTlsMode mode = tls.enumValue("mode", ServerTlsMode.class, ServerTlsMode.PASSTHROUGH);
        String serverCertificate = tls.string("serverCertificate");
        String privateKey = tls.string("privateKey");
        String caCertificates = tls.string("caCertificates");
        List<String> subjectAltNames = tls.strings("subjectAltNames");
        String credentialName = tls.string("credentialName");
        boolean credential = tls.has("credentialName") || tls.has("credentialNames") || tls.has("tlsCertificates");
        tls.notActedOn("credentialNames", NO_SECRETS);
        tls.notActedOn("tlsCertificates", "Portcullis serves one certificate per server: serverCertificate");
        tls.notActedOn("httpsRedirect", "Portcullis serves no HTTP redirects");
        tls.notActedOn("caCrl", "Portcullis does not check revocation lists");
        tls.notActedOn("verifyCertificateSpki", "Portcullis verifies clients against caCertificates only");
        tls.notActedOn("verifyCertificateHash", "Portcullis verifies clients against caCertificates only");
        tls.notActedOn("minProtocolVersion", "Portcullis uses its TLS library's protocol versions");
        tls.notActedOn("maxProtocolVersion", "Portcullis uses its TLS library's protocol versions");
        tls.notActedOn("cipherSuites", "Portcullis uses its TLS library's cipher suites");
        if (mode != null) {
            checkMode(tls, mode, credential);
        }
        return new ServerTls(mode, serverCertificate, privateKey, caCertificates, subjectAltNames,
                java.util.Optional.ofNullable(credentialName).filter(n -> !n.isEmpty()).map(CredentialRef::unbound));
    }

    private static void checkMode(Node tls, ServerTlsMode mode, boolean credential) {
        switch (mode) {
            case ISTIO_MUTUAL -> {
                for (String f : List.of("serverCertificate", "privateKey", "caCertificates", "credentialName",
                        "credentialNames", "tlsCertificates")) {
                    if (tls.has(f)) {
                        tls.error(f, "must not be set with mode ISTIO_MUTUAL (the gateway's own mesh certificate is"
                                + " used)");
                    }
                }
            }
            case PASSTHROUGH, AUTO_PASSTHROUGH -> {
                for (String f : List.of("serverCertificate", "privateKey", "caCertificates")) {
                    if (tls.has(f)) {
                        tls.warning(f, "ignored with mode " + mode + " (the TLS is not terminated here)");
                    }
                }
            }
            case SIMPLE, MUTUAL, OPTIONAL_MUTUAL -> {
                if (credential) {
                    return;
                }
                requireField(tls, "serverCertificate", mode);
                requireField(tls, "privateKey", mode);
                if (mode != ServerTlsMode.SIMPLE) {
                    requireField(tls, "caCertificates", mode);
                }
            }
            default -> throw new IllegalStateException("unhandled mode " + mode);
        }
    }

    private static void requireField(Node tls, String field, ServerTlsMode mode) {
        if (!tls.has(field)) {
            String why = field.equals("caCertificates") ? " (the CAs that verify client certificates)" : "";
            tls.error(field, "required with mode " + mode + why);
        }
    }
}
