package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors of {@code webhook} and of {@code run}'s admin TLS flags: exit 2, the flag and the reason. */
class WebhookAndAdminTlsOptionsTest {
    @TempDir
    Path tmp;

    private static Cli.Result cli(String... args) {
        return InJvmCli.against(null).run(args);
    }

    @Test
    void webhookNeedsReadableCertificateFiles() {
        Cli.Result missing = cli("webhook", "--tls-key", "k.pem");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).startsWith("error: Missing required option: '--tls-cert=FILE'");

        Cli.Result unreadable = cli("webhook", "--tls-cert", tmp.resolve("no.crt").toString(), "--tls-key",
                tmp.resolve("no.key").toString());
        assertThat(unreadable.exitCode()).isEqualTo(2);
        assertThat(unreadable.stderr()).startsWith("error: --tls-cert: cannot read " + tmp.resolve("no.crt"));
    }

    @Test
    void aFileThatIsNotACertificateStopsTheWebhookWithItsName() throws Exception {
        Path cert = Files.writeString(tmp.resolve("tls.crt"), "not a certificate\n");
        Path key = Files.writeString(tmp.resolve("tls.key"), "not a key\n");
        Cli.Result r = cli("webhook", "--listen", "127.0.0.1:0", "--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("error: " + cert + ": not a PEM certificate file");
    }

    @Test
    void adminTlsFlagsGoTogether() {
        Cli.Result r = cli("run", "--config", tmp.toString(), "--admin-tls-cert", tmp.resolve("a.crt").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).startsWith("error: --admin-tls-cert and --admin-tls-key go together");
    }
}
