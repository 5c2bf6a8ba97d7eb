package io.portcullis.testsupport;

import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
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
 * A throw-away certificate authority built in memory with BouncyCastle; it issues server leaves
 * (DNS/IP SANs) and client leaves (URI SAN, e.g. SPIFFE IDs) and exports them as PEM, JDK
 * {@link SSLContext}s and Netty {@link SslContextBuilder}s.
 *
 * <p>Only JDK security providers are used (BouncyCastle just builds the ASN.1), so nothing is
 * registered globally and the code under test sees the same providers as in production.
 */
public final class TestCa {

  /** Key algorithm of the CA and of every leaf it issues. */
  public enum KeyType {
    EC_P256,
    RSA_2048
  }

  /** Default leaf validity: valid since an hour ago (clock skew), for a day. */
  public static final Duration DEFAULT_VALID_FROM = Duration.ofHours(-1);

  public static final Duration DEFAULT_VALIDITY = Duration.ofHours(25);

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final KeyType keyType;
  private final KeyPair keyPair;
  private final X509Certificate certificate;

  private TestCa(KeyType keyType, KeyPair keyPair, X509Certificate certificate) {
    this.keyType = keyType;
    this.keyPair = keyPair;
    this.certificate = certificate;
  }

  /** A new EC P-256 CA whose subject is {@code CN=commonName}. */
  public static TestCa create(String commonName) {
    return create(commonName, KeyType.EC_P256);
  }

  public static TestCa create(String commonName, KeyType keyType) {
    KeyPair keys = generateKeyPair(keyType);
    X500Name subject = cn(commonName);
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  Date.from(now.plus(DEFAULT_VALID_FROM)),
                  Date.from(now.plus(Duration.ofDays(30))),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new TestCa(keyType, keys, sign(builder, keys.getPrivate(), keyType));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create test CA " + commonName, e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public PrivateKey privateKey() {
    return keyPair.getPrivate();
  }

  /** A server leaf valid from now-1h to now+1d for DNS names (wildcards allowed) or IP literals. */
  public Leaf issueServer(String... dnsNamesOrIps) {
    return issueServer(DEFAULT_VALID_FROM, DEFAULT_VALIDITY, dnsNamesOrIps);
  }

  /**
   * A server leaf valid from {@code now + validFromOffset} for {@code validity}; a negative
   * offset larger than the validity gives an already expired certificate.
   */
  public Leaf issueServer(Duration validFromOffset, Duration validity, String... dnsNamesOrIps) {
    if (dnsNamesOrIps.length == 0) {
      throw new IllegalArgumentException("a server certificate needs at least one name");
    }
    GeneralName[] sans = new GeneralName[dnsNamesOrIps.length];
    for (int i = 0; i < sans.length; i++) {
      String name = dnsNamesOrIps[i];
      sans[i] =
          isIpLiteral(name)
              ? new GeneralName(GeneralName.iPAddress, name)
              : new GeneralName(GeneralName.dNSName, name);
    }
    return issue(dnsNamesOrIps[0], sans, KeyPurposeId.id_kp_serverAuth, validFromOffset, validity);
  }

  /** A client leaf whose only SAN is the URI {@code spiffeUri} (e.g. {@code spiffe://td/ns/x/sa/y}). */
  public Leaf issueClient(String spiffeUri) {
    GeneralName[] sans = {new GeneralName(GeneralName.uniformResourceIdentifier, spiffeUri)};
    // CN is limited to 64 characters by RFC 5280; peers must read the identity from the SAN anyway.
    String cn = spiffeUri.length() <= 64 ? spiffeUri : spiffeUri.substring(spiffeUri.length() - 64);
    return issue(cn, sans, KeyPurposeId.id_kp_clientAuth, DEFAULT_VALID_FROM, DEFAULT_VALIDITY);
  }

  /**
   * Writes the CA certificate as PEM; if {@code target} is a directory the file is {@code ca.pem}
   * inside it. Returns the file written.
   */
  public Path writeCaPem(Path target) {
    return Pem.write(Pem.fileIn(target, "ca.pem"), Pem.certificates(List.of(certificate)));
  }

  /**
   * A JDK context presenting {@code leaf} and trusting this CA: a server's (which may then demand
   * client certificates from this CA) or, with a client leaf, an mTLS client's.
   */
  public SSLContext sslContextFor(Leaf leaf) {
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(leaf.keyStore(), Leaf.KEYSTORE_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), trustManagerFactory().getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JDK client context trusting only this CA (no client certificate). */
  public SSLContext clientSslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagerFactory().getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Netty server builder presenting {@code leaf}; callers may still pick provider, ALPN, mTLS. */
  public SslContextBuilder nettyServer(Leaf leaf) {
    return SslContextBuilder.forServer(leaf.privateKey(), leaf.chain().toArray(new X509Certificate[0]))
        .trustManager(certificate);
  }

  /** A Netty client builder trusting only this CA. */
  public SslContextBuilder nettyClient() {
    return SslContextBuilder.forClient().trustManager(certificate);
  }

  public TrustManagerFactory trustManagerFactory() {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", certificate);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      return tmf;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private Leaf issue(
      String commonName,
      GeneralName[] sans,
      KeyPurposeId purpose,
      Duration validFromOffset,
      Duration validity) {
    KeyPair keys = generateKeyPair(keyType);
    Instant notBefore = Instant.now().plus(validFromOffset);
    int usage =
        keyType == KeyType.RSA_2048
            ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
            : KeyUsage.digitalSignature;
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(notBefore),
                  Date.from(notBefore.plus(validity)),
                  cn(commonName),
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
              .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(keys.getPublic()))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(certificate));
      X509Certificate leaf = sign(builder, keyPair.getPrivate(), keyType);
      return new Leaf(leaf, keys.getPrivate(), List.of(leaf, certificate));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue certificate for " + commonName, e);
    }
  }

  private static X509Certificate sign(
      X509v3CertificateBuilder builder, PrivateKey signer, KeyType keyType)
      throws GeneralSecurityException {
    String algorithm = keyType == KeyType.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA";
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair generateKeyPair(KeyType keyType) {
    try {
      KeyPairGenerator generator;
      if (keyType == KeyType.RSA_2048) {
        generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
      } else {
        generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X500Name cn(String commonName) {
    // The builder escapes commas, '=' and friends that a "CN=" + name string would misparse.
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static boolean isIpLiteral(String name) {
    return IPV4.matcher(name).matches() || name.contains(":");
  }

  /** An issued certificate, its private key, and the chain leaf-first ending with the CA. */
  public record Leaf(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> chain) {

    static final char[] KEYSTORE_PASSWORD = "changeit".toCharArray();

    public Leaf {
      chain = List.copyOf(chain);
    }

    /** Writes leaf then CA as PEM (what servers send); a directory target gets {@code cert.pem}. */
    public Path writeCertChainPem(Path target) {
      return Pem.write(Pem.fileIn(target, "cert.pem"), Pem.certificates(chain));
    }

    /** Writes the unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}); a directory gets {@code key.pem}. */
    public Path writeKeyPem(Path target) {
      return Pem.write(Pem.fileIn(target, "key.pem"), Pem.block("PRIVATE KEY", privateKey.getEncoded()));
    }

    /** An in-memory PKCS#12 key store holding this leaf as alias {@code leaf}, password {@code changeit}. */
    public KeyStore keyStore() {
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
            "leaf", privateKey, KEYSTORE_PASSWORD, chain.toArray(new X509Certificate[0]));
        return store;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** PEM encoding by hand: it is two lines of Base64 framing and keeps BC's PEM writer out. */
  private static final class Pem {

    static Path fileIn(Path target, String defaultName) {
      return Files.isDirectory(target) ? target.resolve(defaultName) : target;
    }

    static String certificates(List<X509Certificate> certs) {
      StringBuilder pem = new StringBuilder();
      for (X509Certificate cert : certs) {
        try {
          pem.append(block("CERTIFICATE", cert.getEncoded()));
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
      }
      return pem.toString();
    }

    static String block(String type, byte[] der) {
      String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
      return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    static Path write(Path file, String pem) {
      try {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        return Files.writeString(file, pem, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
