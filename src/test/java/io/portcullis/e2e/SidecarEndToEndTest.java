package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.RedisServerProcess;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TempConfigDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar role in a real network namespace: the app's own programs, unchanged, connect to
 * their destinations; iptables (installed by {@code portcullis capture}) sends every connection to
 * the sidecar, which decides as Istio's sidecar does.
 */
class SidecarEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;

    @BeforeAll
    static void namespace() {
        Cli.requireCommand("redis-cli");
        lab = NetnsLab.create(1);
        app = lab.app(0);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
    }

    @AfterAll
    static void removeNamespace() {
        if (lab != null) {
            lab.close();
        }
    }

    private static Path hostsFile(String... lines) throws Exception {
        return Files.writeString(Files.createTempFile(tmp, "hosts", ".txt"), String.join("\n", lines) + "\n");
    }

    /** The workshop's first step: closed by the proxy until a ServiceEntry declares Redis, then PONG. */
    @Test
    void redisIsClosedUntilDeclaredThenAnswers() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOn(app.hostIp());
             TempConfigDir config = TempConfigDir.create();
             SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, hostsFile())) {
            String port = String.valueOf(redis.port());
            Cli.Result closed = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING");
            assertThat(closed.stdout() + closed.stderr()).doesNotContain("PONG");
            assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=denied")))
                    .contains("listener=capture_15001", "client=" + app.appIp() + ":",
                            "original_dst=" + app.hostIp() + ":" + port, "reason=no_service_entry");

            config.write("redis.yaml", """
                    apiVersion: networking.istio.io/v1alpha3
                    kind: ServiceEntry
                    metadata:
                      name: redis-serviceentry
                    spec:
                      hosts: [redis.domain]
                      addresses: [%s]
                      ports:
                      - {number: %s, name: tcp-redis, protocol: TCP}
                      location: MESH_EXTERNAL
                    """.formatted(app.hostIp(), port));
            sidecar.awaitApplied(2);
            Cli.Result pong = app.exec("redis-cli", "-h", app.hostIp(), "-p", port, "PING");
            assertThat(pong.stdout().trim()).as(pong.toString()).isEqualTo("PONG");
            assertThat(sidecar.awaitAccessLine(l -> l.contains("decision=allowed")))
                    .contains("resource=ServiceEntry/default/redis-serviceentry",
                            "upstream=" + app.hostIp() + ":" + port);
        }
    }
}
