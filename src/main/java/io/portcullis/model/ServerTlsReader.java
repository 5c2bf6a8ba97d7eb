package io.portcullis.model;

import io.portcullis.model.Gateway.ServerTls;
import io.portcullis.model.Gateway.ServerTlsMode;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Reads {@code Gateway.servers[].tls} (Istio's {@code ServerTLSSettings}) with pilot's {@code validateTLSOptions} rules. */
final class ServerTlsReader {
    private static final String NO_SECRETS = "Portcullis reads one Secret per server: credentialName";

    private static final List<String> CERTIFICATE_FIELDS = List.of("serverCertificate", "privateKey",
            "caCertificates", "tlsCertificates", "credentialName", "credentialNames");

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
            checkMode(tls, mode);
        }
        return new ServerTls(mode, serverCertificate, privateKey, caCertificates, subjectAltNames,
                java.util.Optional.ofNullable(credentialName).filter(n -> !n.isEmpty()).map(CredentialRef::unbound));
    }

    private static void checkMode(Node tls, ServerTlsMode mode) {
        if (mode == ServerTlsMode.ISTIO_MUTUAL) {
            for (String f : CERTIFICATE_FIELDS) {
                if (set(tls, f)) {
                    tls.error(f, "must not be set with mode ISTIO_MUTUAL (the gateway's own mesh certificate is used)");
                }
            }
            return;
        }
        if (mode == ServerTlsMode.PASSTHROUGH || mode == ServerTlsMode.AUTO_PASSTHROUGH) {
            for (String f : CERTIFICATE_FIELDS) {
                if (set(tls, f)) {
                    tls.warning(f, "ignored with mode " + mode + " (the TLS is not terminated here)");
                }
            }
        }
        boolean namedCredential = set(tls, "credentialName") || set(tls, "credentialNames");
        int sources = (set(tls, "serverCertificate") && set(tls, "privateKey") ? 1 : 0)
                + (set(tls, "credentialName") ? 1 : 0) + (set(tls, "credentialNames") ? 1 : 0)
                + (set(tls, "tlsCertificates") ? 1 : 0);
        if (sources > 1) {
            tls.errorHere("give the server's certificate one way only: credentialName, credentialNames,"
                    + " serverCertificate with privateKey, or tlsCertificates");
        }
        boolean terminates = mode == ServerTlsMode.SIMPLE || mode == ServerTlsMode.MUTUAL
                || mode == ServerTlsMode.OPTIONAL_MUTUAL;
        if (terminates && !namedCredential) {
            if (mode != ServerTlsMode.SIMPLE) {
                requireField(tls, "caCertificates", mode);
            }
            if (set(tls, "tlsCertificates")) {
                List<Node> certs = tls.children("tlsCertificates", "Gateway.ServerTLSSettings.TLSCertificate");
                for (Node cert : certs) {
                    cert.allow("caCertificates");
                    requireField(cert, "serverCertificate", mode);
                    requireField(cert, "privateKey", mode);
                }
                if (certs.size() > 2) {
                    tls.warning("tlsCertificates", "Istio serves at most 2 certificates per server");
                }
            } else {
                requireField(tls, "serverCertificate", mode);
                requireField(tls, "privateKey", mode);
            }
        }
        if (terminates && namedCredential) {
            // The credential carries the certificates (and any CRL): Istio checks nothing more.
            return;
        }
        if (set(tls, "caCrl") && set(tls, "credentialName")) {
            tls.error("caCrl", "cannot be combined with credentialName (the CRL comes with the credential)");
        }
        if (set(tls, "caCrl") && mode == ServerTlsMode.SIMPLE) {
            tls.error("caCrl", "has no use with mode SIMPLE (no client certificate is checked)");
        }
    }

    /** Istio treats an empty string or list as unset (protobuf's zero value). */
    private static boolean set(Node tls, String field) {
        JsonNode v = tls.raw(field);
        return v != null && !(v.isTextual() && v.textValue().isEmpty()) && !(v.isContainerNode() && v.isEmpty());
    }

    private static void requireField(Node tls, String field, ServerTlsMode mode) {
        if (!set(tls, field)) {
            String why = field.equals("caCertificates") ? " (the CAs that verify client certificates)" : "";
            tls.error(field, "required with mode " + mode + why);
        }
    }
}
