package io.portcullis.proxy.tls;

import io.portcullis.identity.Pem;
import io.portcullis.model.CredentialRef;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.TlsSecret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * The TLS material of a bound {@code credentialName}, decoded for building an SSL context. Error
 * messages name the Secret and the entry, never a value.
 */
public record SecretMaterial(TlsSecret secret) {
    /** The Secret {@code ref} was bound to in {@code resources}, or why it cannot be used. */
    public static SecretMaterial of(CredentialRef ref, ResourceSet resources) throws IOException {
        if (ref.secretId().isEmpty()) {
            throw new IOException(ref + " was not resolved");
        }
        TlsSecret secret = resources.secret(ref.secretId().get())
                .orElseThrow(() -> new IOException(ref + ": no " + ref.secretId().get()));
        return new SecretMaterial(secret);
    }

    public String describe() {
        return secret.id().toString();
    }

    public boolean hasCa() {
        return secret.caCertificates().isPresent();
    }

    public X509Certificate[] certificates(String what) throws IOException {
        String pem = secret.certificate().orElseThrow(() -> new IOException(describe() + " holds no certificate"
                + " (tls.crt or cert) for " + what));
        List<X509Certificate> chain = parse(pem, "tls.crt/cert");
        return chain.toArray(new X509Certificate[0]);
    }

    public PrivateKey privateKey() throws IOException {
        String pem = secret.privateKey().orElseThrow(() -> new IOException(describe() + " holds no private key"
                + " (tls.key or key)"));
        try {
            return Pem.readPrivateKey(pem, describe() + " tls.key/key");
        } catch (IOException | RuntimeException e) {
            throw new IOException(describe() + " tls.key/key: not a readable PEM private key", e);
        }
    }

    public Collection<? extends Certificate> caCertificates() throws IOException {
        return parse(secret.caCertificates().orElseThrow(), "ca.crt/cacert");
    }

    public X509Certificate[] caArray() throws IOException {
        return parse(secret.caCertificates().orElseThrow(() -> new IOException(describe()
                + " holds no CA bundle (ca.crt or cacert)")), "ca.crt/cacert").toArray(new X509Certificate[0]);
    }

    private List<X509Certificate> parse(String pem, String entry) throws IOException {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) {
                throw new IOException(describe() + " " + entry + ": holds no certificate");
            }
            return certs.stream().map(c -> (X509Certificate) c).toList();
        } catch (GeneralSecurityException e) {
            throw new IOException(describe() + " " + entry + ": not PEM certificates (" + e.getMessage() + ")");
        }
    }
}
