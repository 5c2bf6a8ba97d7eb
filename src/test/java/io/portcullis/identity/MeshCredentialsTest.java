package io.portcullis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short-lived certificates are re-issued into the same folder; a running process picks them up. */
class MeshCredentialsTest {
    @TempDir
    Path tmp;

    @Test
    void reloadsARotatedIdentityAndKeepsTheOldOneOnAHalfRotation() throws Exception {
        MeshCa ca = MeshCa.init(tmp.resolve("ca"), "cluster.local", MeshCa.DEFAULT_ROOT_VALIDITY);
        SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep");
        Path out = tmp.resolve("certs");
        ca.issue(id, Duration.ofMinutes(10), List.of()).writeTo(out);
        MeshCredentials credentials = MeshCredentials.load(out);
        MeshIdentity first = credentials.current();
        assertThat(credentials.reloadIfChanged()).isFalse();

        WorkloadCertificate next = ca.issue(id, Duration.ofMinutes(20), List.of());
        // Half a rotation: the new key is there, the certificate not yet.
        Pem.writeAtomically(out.resolve(WorkloadCertificate.KEY), Pem.encodePrivateKey(next.key()), true);
        Files.setLastModifiedTime(out.resolve(WorkloadCertificate.KEY),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2_000));
        assertThat(credentials.reloadIfChanged()).isFalse();
        assertThat(credentials.current()).isSameAs(first);

        next.writeTo(out);
        Files.setLastModifiedTime(out.resolve(WorkloadCertificate.CERT_CHAIN),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 4_000));
        assertThat(credentials.reloadIfChanged()).isTrue();
        assertThat(credentials.current().certificate().getSerialNumber()).isEqualTo(next.certificate().getSerialNumber());
        assertThat(credentials.current().spiffeId()).isEqualTo(id);
    }
}
