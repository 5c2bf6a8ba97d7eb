package io.portcullis.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The mesh certificate authority behind {@code portcullis ca}: a self-signed root (EC P-256,
 * like Istio's self-signed CA) kept in a folder as {@code root-cert.pem} and {@code root-key.pem},
 * which issues short-lived workload certificates whose only identity is a SPIFFE ID in the URI SAN
 * (what Istio's citadel/istiod issues). The root's subject carries the trust domain as {@code O},
 * and the CA only issues identities of its own trust domain.
 *
 * <p>BouncyCastle builds the ASN.1; keys and signatures come from the JDK providers, so nothing is
 * registered globally. Blocking file I/O: for the command line and start-up, never an event loop.
 */
public final class MeshCa {
    public static final String ROOT_CERT = "root-cert.pem";
    public static final String ROOT_KEY = "root-key.pem";
    public static final Duration DEFAULT_ROOT_VALIDITY = Duration.ofDays(3650);
    /** Istio's default workload certificate lifetime. */
    public static final Duration DEFAULT_WORKLOAD_TTL = Duration.ofHours(24);
    /** Backdating for clocks that disagree a little, as Istio does. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate root;
    private final PrivateKey rootKey;
    private final String trustDomain;

    private MeshCa(X509Certificate root, PrivateKey rootKey) {
        this.root = root;
        this.rootKey = rootKey;
        this.trustDomain = organization(root);
    }

    /** Creates a new CA in {@code dir}; refuses to overwrite one that is there. */
    public static MeshCa init(Path dir, String trustDomain, Duration validity) throws IOException {
        SpiffeId.parse("spiffe://" + trustDomain + "/ca");
        if (Files.exists(dir.resolve(ROOT_CERT)) || Files.exists(dir.resolve(ROOT_KEY))) {
            throw new IOException(dir + " already holds a CA (" + ROOT_CERT + "/" + ROOT_KEY + "); remove them first,"
                    + " since every certificate it issued would stop verifying");
        }
        KeyPair keys = newKeyPair();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, trustDomain).addRDN(BCStyle.CN, "Portcullis mesh CA").build();
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys.getPrivate());
            Pem.writeAtomically(dir.resolve(ROOT_KEY), Pem.encodePrivateKey(keys.getPrivate()), true);
            Pem.writeAtomically(dir.resolve(ROOT_CERT), Pem.encodeCertificates(List.of(cert)), false);
            return new MeshCa(cert, keys.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot create the CA certificate: " + e.getMessage(), e);
        }
    }

    /** Loads the CA of {@code dir}. */
    public static MeshCa load(Path dir) throws IOException {
        Path cert = dir.resolve(ROOT_CERT);
        Path key = dir.resolve(ROOT_KEY);
        if (!Files.exists(cert) || !Files.exists(key)) {
            throw new IOException(dir + " holds no CA (expected " + ROOT_CERT + " and " + ROOT_KEY
                    + "; create one with: portcullis ca init --dir " + dir + ")");
        }
        return new MeshCa(Pem.readCertificates(cert).get(0), Pem.readPrivateKey(key));
    }

    public X509Certificate root() {
        return root;
    }

    public String trustDomain() {
        return trustDomain;
    }

    /**
     * Issues a workload certificate for {@code id}, valid from a few minutes ago for {@code ttl}
     * (never beyond the root's own expiry), usable for both sides of mutual TLS.
     *
     * @param dnsNames extra DNS SANs (e.g. the gateway's service name); usually none
     */
    public WorkloadCertificate issue(SpiffeId id, Duration ttl, List<String> dnsNames) {
        if (!id.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException(id + " is outside this CA's trust domain " + trustDomain);
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the lifetime must be positive, got " + ttl);
        }
        Instant now = Instant.now();
        Instant notAfter = now.plus(ttl);
        if (notAfter.isAfter(root.getNotAfter().toInstant())) {
            notAfter = root.getNotAfter().toInstant();
        }
        if (!notAfter.isAfter(now)) {
            throw new IllegalArgumentException("the CA expired on " + root.getNotAfter().toInstant());
        }
        KeyPair keys = newKeyPair();
        List<GeneralName> sans = new ArrayList<>();
        sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString()));
        dnsNames.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(root, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, trustDomain).build(), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, true,
                            new GeneralNames(sans.toArray(new GeneralName[0])))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(root));
            return new WorkloadCertificate(sign(builder, rootKey), keys.getPrivate(), root);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + id + ": " + e.getMessage(), e);
        }
    }

    private static String organization(X509Certificate cert) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        RDN[] o = name.getRDNs(BCStyle.O);
        return o.length == 0 ? "cluster.local" : IETFUtils.valueToString(o[0].getFirst().getValue());
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
