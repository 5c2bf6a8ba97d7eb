package io.portcullis.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * This process's own mesh identity, read from {@code --mesh-certs DIR}: {@code cert-chain.pem}
 * (its certificate first), {@code key.pem}, and {@code root-cert.pem} (the roots peers are
 * verified against). The gateway presents it on {@code ISTIO_MUTUAL} servers; the sidecar presents
 * it to the gateway. The YAML paths {@code /etc/certs/cert-chain.pem}, {@code /etc/certs/key.pem}
 * and {@code /etc/certs/root-cert.pem} of the Istio 1.0 articles mean these files. Immutable.
 *
 * @param spiffeId the certificate's SPIFFE ID; null when it carries none
 * @param stamp what the files looked like when read (modification times and sizes), to notice rotation
 */
public record MeshIdentity(Path dir, List<X509Certificate> chain, PrivateKey key, List<X509Certificate> roots,
                           @Nullable SpiffeId spiffeId, String stamp) {
    /** The Istio 1.0 mount point that the articles' Gateway servers name. */
    public static final String ISTIO_CERTS_DIR = "/etc/certs/";

    public MeshIdentity {
        chain = List.copyOf(chain);
        roots = List.copyOf(roots);
    }

    /** Reads the identity in {@code dir}; fails with a message naming the file that is missing or bad. */
    public static MeshIdentity load(Path dir) throws IOException {
        Path chainFile = dir.resolve(WorkloadCertificate.CERT_CHAIN);
        Path keyFile = dir.resolve(WorkloadCertificate.KEY);
        Path rootFile = dir.resolve(WorkloadCertificate.ROOT_CERT);
        for (Path p : List.of(chainFile, keyFile, rootFile)) {
            if (!Files.isReadable(p)) {
                throw new IOException("--mesh-certs " + dir + ": cannot read " + p.getFileName()
                        + " (expected cert-chain.pem, key.pem and root-cert.pem, as written by portcullis ca issue)");
            }
        }
        String stamp = stamp(dir);
        List<X509Certificate> chain = Pem.readCertificates(chainFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        if (!belongsTogether(key, chain.get(0))) {
            throw new IOException("--mesh-certs " + dir + ": key.pem does not belong to the certificate in"
                    + " cert-chain.pem (a rotation half done?)");
        }
        return new MeshIdentity(dir, chain, key, Pem.readCertificates(rootFile), PeerIdentity.spiffeIdOf(chain.get(0)),
                stamp);
    }

    /** Signs a nonce with the key and checks it with the certificate: the one test that works for EC and RSA. */
    private static boolean belongsTogether(PrivateKey key, X509Certificate cert) {
        try {
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(nonce);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(nonce);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Modification times and sizes of the three files: changes when certificates are rotated. */
    public static String stamp(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of(WorkloadCertificate.CERT_CHAIN, WorkloadCertificate.KEY, WorkloadCertificate.ROOT_CERT)) {
            Path p = dir.resolve(f);
            sb.append(Files.getLastModifiedTime(p).toMillis()).append('/').append(Files.size(p)).append(';');
        }
        return sb.toString();
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /** Whether {@code path} is one of the Istio 1.0 mount paths that stand for this identity's files. */
    public static boolean isIstioMountPath(String path) {
        return path != null && path.startsWith(ISTIO_CERTS_DIR)
                && List.of(WorkloadCertificate.CERT_CHAIN, WorkloadCertificate.KEY, WorkloadCertificate.ROOT_CERT)
                .contains(path.substring(ISTIO_CERTS_DIR.length()));
    }

    @Override
    public String toString() {
        return (spiffeId == null ? certificate().getSubjectX500Principal().getName() : spiffeId.toString())
                + " (valid until " + notAfter() + ")";
    }
}
