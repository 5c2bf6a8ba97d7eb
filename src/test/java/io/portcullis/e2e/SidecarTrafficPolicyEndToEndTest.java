package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EchoOrigin;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TempConfigDir;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DestinationRule's {@code connectionPool} in the sidecar role, on connections the sidecar sends
 * straight out: the app's own {@code nc}, captured by iptables, against an echo server outside its
 * namespace. {@code tcp.maxConnections} closes the connection over the limit (flag UO),
 * {@code tcp.tcpKeepalive} arms the kernel's timer on the sidecar's upstream socket, and
 * {@code tcp.connectTimeout} replaces the sidecar's {@code --connect-timeout} (10 s) towards an
 * address whose SYNs are dropped. (The egress gateway's subset settings on a mesh route are in
 * {@code IstioTasksMeshTlsEndToEndTest}.)
 */
class SidecarTrafficPolicyEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;

    @BeforeAll
    static void namespaces() {
        Cli.requireCommand("nc");
        Cli.requireCommand("ss");
        lab = NetnsLab.create(1);
        app = lab.app(0);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
    }

    @AfterAll
    static void removeNamespaces() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String echoEntry(String address, int port, String connectionPool) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [echo.example.test]
                  addresses: [%1$s]
                  ports:
                  - {number: %2$d, name: tcp-echo, protocol: TCP}
                  location: MESH_EXTERNAL
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo-limits}
                spec:
                  host: echo.example.test
                  trafficPolicy:
                    connectionPool: %3$s
                """.formatted(address, port, connectionPool);
    }

    private static Path emptyHostsFile() throws Exception {
        return Files.writeString(Files.createTempFile(tmp, "hosts", ".txt"), "\n");
    }

    @Test
    void maxConnectionsClosesTheSecondConnectionWithUoAndKeepaliveIsArmed() throws Exception {
        try (EchoOrigin echo = new EchoOrigin(InetAddress.getByName(app.hostIp()));
             TempConfigDir config = TempConfigDir.create()) {
            String port = String.valueOf(echo.port());
            config.write("echo.yaml", echoEntry(app.hostIp(), echo.port(),
                    "{tcp: {maxConnections: 1, tcpKeepalive: {time: 40s, interval: 5s, probes: 3}}}"));
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, emptyHostsFile())) {
                Process first = new ProcessBuilder("ip", "netns", "exec", app.name(), "nc", app.hostIp(), port)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                try {
                    OutputStream in = first.getOutputStream();
                    in.write("one\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    InputStream out = first.getInputStream();
                    assertThat(read(out, 4)).isEqualTo("one\n");

                    // The sidecar's upstream socket carries SO_KEEPALIVE with the rule's idle time.
                    Cli.Result ss = app.exec("ss", "-tno", "state", "established", "dport", "=", ":" + port);
                    assertThat(ss.stdout()).as(ss.toString()).contains("timer:(keepalive,");

                    Cli.Result second = app.exec(TIMEOUT, "sh", "-c", "printf 'two\\n' | nc -w 10 " + app.hostIp() + " " + port);
                    assertThat(second.stdout()).as("closed: the one connection allowed is in use").isEmpty();
                    assertThat(sidecar.awaitAccessLine(l -> l.contains("upstream_failure=upstream_overflow")))
                            .contains("original_dst=" + app.hostIp() + ":" + port, "decision=allowed",
                                    "reason=upstream_overflow", "resource=ServiceEntry/default/echo", "upstream=-",
                                    "DestinationRule/default/echo-limits connectionPool.tcp.maxConnections: 1"
                                            + " connection to echo.example.test:" + port + " already open");
                    assertThat(echo.accepted()).isEqualTo(1);

                    // The first connection is untouched.
                    in.write("three\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    assertThat(read(out, 6)).isEqualTo("three\n");
                } finally {
                    first.destroy();
                    first.waitFor(10, TimeUnit.SECONDS);
                }
                await().atMost(TIMEOUT).untilAsserted(() -> assertThat(echo.open()).isZero());
                // The slot is free again once the first connection has closed.
                await().atMost(TIMEOUT).untilAsserted(() -> assertThat(app.exec(TIMEOUT, "sh", "-c",
                        "printf 'four\\n' | nc -N -w 10 " + app.hostIp() + " " + port).stdout()).isEqualTo("four\n"));
            }
        }
    }

    @Test
    void connectTimeoutOfTheRuleReplacesTheSidecarsOwn() throws Exception {
        // An address on the app's subnet whose SYNs the namespace drops: a connect to it hangs.
        String dropped = app.appIp().substring(0, app.appIp().lastIndexOf('.')) + ".5";
        app.exec("iptables", "-A", "OUTPUT", "-d", dropped, "-p", "tcp", "-j", "DROP").requireSuccess();
        try (TempConfigDir config = TempConfigDir.create()) {
            config.write("dropped.yaml", echoEntry(dropped, 7000, "{tcp: {connectTimeout: 500ms}}"));
            try (SidecarProcess sidecar = SidecarProcess.start(app, config.path(), null, emptyHostsFile())) {
                Cli.Result r = app.exec(TIMEOUT, "sh", "-c", "printf 'x\\n' | nc -w 20 " + dropped + " 7000");
                assertThat(r.stdout()).isEmpty();
                assertThat(sidecar.awaitAccessLine(l -> l.contains("original_dst=" + dropped + ":7000")))
                        .contains("decision=allowed", "upstream_failure=upstream_timeout",
                                "connect to " + dropped + ":7000 timed out after 500 ms");
            }
        } finally {
            app.exec("iptables", "-D", "OUTPUT", "-d", dropped, "-p", "tcp", "-j", "DROP");
        }
    }

    /** Reads exactly {@code n} bytes, or fails after a generous wait. */
    private static String read(InputStream in, int n) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
}
