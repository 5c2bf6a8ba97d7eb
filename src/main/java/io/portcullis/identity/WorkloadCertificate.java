package io.portcullis.identity;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A workload's issued identity: its certificate, key and the root that verifies it, written as
 * Istio 1.0 mounted them in {@code /etc/certs}: {@code cert-chain.pem}, {@code key.pem},
 * {@code root-cert.pem}.
 */
public record WorkloadCertificate(X509Certificate certificate, PrivateKey key, X509Certificate root) {
    public static final String CERT_CHAIN = "cert-chain.pem";
    public static final String KEY = "key.pem";
    public static final String ROOT_CERT = "root-cert.pem";

    /** Writes the three files into {@code dir} (created if needed); the key readable by its owner only. */
    public void writeTo(Path dir) throws IOException {
        // The key first: a reader that sees the new chain must find the key that goes with it.
        Pem.writeAtomically(dir.resolve(KEY), Pem.encodePrivateKey(key), true);
        Pem.writeAtomically(dir.resolve(CERT_CHAIN), Pem.encodeCertificates(List.of(certificate)), false);
        Pem.writeAtomically(dir.resolve(ROOT_CERT), Pem.encodeCertificates(List.of(root)), false);
    }
}
