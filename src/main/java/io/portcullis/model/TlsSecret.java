package io.portcullis.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A Kubernetes {@code v1 Secret} holding TLS material for {@code credentialName}, in either form
 * Istio reads: {@code kubernetes.io/tls} ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) or the
 * generic one ({@code cert}, {@code key}, {@code cacert}). PEM text, decoded from {@code data}.
 *
 * <p>{@link #toString()} never shows the key or the certificates: a Secret must not reach a log.
 *
 * @param certificate the certificate chain (PEM), when present
 * @param privateKey  the private key (PEM), when present
 * @param caCertificates the CA bundle (PEM), when present
 */
public record TlsSecret(ResourceId id, Optional<String> certificate, Optional<String> privateKey,
                        Optional<String> caCertificates) implements Resource {
    public static final String KIND = "Secret";

    /** SHA-256 over the three entries: equal for equal content, different after a rotation. */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Optional<String> part : java.util.List.of(certificate, privateKey, caCertificates)) {
                sha.update(part.orElse("").getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return id + " (cert " + (certificate.isPresent() ? "set" : "absent") + ", key "
                + (privateKey.isPresent() ? "set" : "absent") + ", ca " + (caCertificates.isPresent() ? "set" : "absent")
                + ", sha256 " + fingerprint() + ")";
    }
}
