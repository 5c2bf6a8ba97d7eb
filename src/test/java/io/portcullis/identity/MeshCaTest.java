package io.portcullis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.cli.Main;
import io.portcullis.testsupport.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mesh CA and {@code portcullis ca}: roots, workload certificates, and what real tools make of them. */
class MeshCaTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void issuesShortLivedWorkloadCertificatesThatChainToTheRoot() throws Exception {
        MeshCa ca = MeshCa.init(tmp.resolve("ca"), "cluster.local", MeshCa.DEFAULT_ROOT_VALIDITY);
        WorkloadCertificate cert = ca.issue(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep"),
                Duration.ofMinutes(30), List.of());

        assertThat(PeerIdentity.spiffeIdOf(cert.certificate()))
                .isEqualTo(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep"));
        assertThat(cert.certificate().getNotAfter().toInstant())
                .isBetween(Instant.now().plus(Duration.ofMinutes(29)), Instant.now().plus(Duration.ofMinutes(31)));
        assertThat(cert.certificate().getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(cert.certificate())), pkix(ca.root()));
    }

    @Test
    void aLoadedCaKeepsItsTrustDomainAndRefusesOthers() throws Exception {
        MeshCa.init(tmp.resolve("ca"), "example.org", MeshCa.DEFAULT_ROOT_VALIDITY);
        MeshCa loaded = MeshCa.load(tmp.resolve("ca"));
        assertThat(loaded.trustDomain()).isEqualTo("example.org");
        assertThatThrownBy(() -> loaded.issue(SpiffeId.parse("spiffe://cluster.local/ns/a/sa/b"), Duration.ofHours(1), List.of()))
                .hasMessageContaining("outside this CA's trust domain example.org");
    }

    @Test
    void initRefusesToOverwriteACa() throws Exception {
        MeshCa.init(tmp.resolve("ca"), "cluster.local", MeshCa.DEFAULT_ROOT_VALIDITY);
        assertThatThrownBy(() -> MeshCa.init(tmp.resolve("ca"), "cluster.local", MeshCa.DEFAULT_ROOT_VALIDITY))
                .isInstanceOf(IOException.class).hasMessageContaining("already holds a CA");
    }

    @Test
    void commandLineWritesWhatOpensslVerifies() throws Exception {
        Path caDir = tmp.resolve("mesh-ca");
        Path out = tmp.resolve("sleep");
        assertThat(Main.commandLine().execute("ca", "init", "--dir", caDir.toString())).isZero();
        assertThat(Main.commandLine().execute("ca", "issue", "--dir", caDir.toString(), "--spiffe",
                "spiffe://cluster.local/ns/default/sa/sleep", "--out", out.toString(), "--ttl", "2h")).isZero();

        assertThat(Files.getPosixFilePermissions(out.resolve("key.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(caDir.resolve("root-key.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Cli.run(TIMEOUT, "openssl", "verify", "-CAfile", out.resolve("root-cert.pem").toString(),
                out.resolve("cert-chain.pem").toString()).requireSuccess();
        String text = Cli.run(TIMEOUT, "openssl", "x509", "-in", out.resolve("cert-chain.pem").toString(), "-noout", "-text")
                .requireSuccess().stdout();
        assertThat(text).contains("URI:spiffe://cluster.local/ns/default/sa/sleep", "TLS Web Client Authentication",
                "TLS Web Server Authentication");
        // The key matches the certificate: openssl derives the same public key from both.
        String fromKey = Cli.run(TIMEOUT, "openssl", "pkey", "-in", out.resolve("key.pem").toString(), "-pubout")
                .requireSuccess().stdout();
        String fromCert = Cli.run(TIMEOUT, "openssl", "x509", "-in", out.resolve("cert-chain.pem").toString(), "-noout",
                "-pubkey").requireSuccess().stdout();
        assertThat(fromKey).isEqualTo(fromCert);
        assertThat(MeshIdentity.load(out).spiffeId()).hasToString("spiffe://cluster.local/ns/default/sa/sleep");
    }

    @Test
    void commandLineRefusesABadSpiffeIdAndAMissingCa() {
        assertThat(Main.commandLine().execute("ca", "issue", "--dir", tmp.toString(), "--spiffe", "cluster.local/ns/a",
                "--out", tmp.resolve("x").toString())).isEqualTo(2);
        assertThat(Main.commandLine().execute("ca", "issue", "--dir", tmp.resolve("none").toString(), "--spiffe",
                "spiffe://cluster.local/ns/a/sa/b", "--out", tmp.resolve("x").toString())).isEqualTo(1);
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    private static PKIXParameters pkix(X509Certificate root) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        return params;
    }
}
