package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EchoOrigin;
import io.portcullis.testsupport.FreePorts;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Defect 7 of issue 11: with a policy broad enough to allow the gateway's own address (ALLOW_ANY,
 * {@code --allow-private 127.0.0.0/8}), no upstream connection may go to one of its own listening
 * sockets: a CONNECT to its proxy port or its admin port, an HTTP request forwarded to either, and
 * a Gateway TCP listener routed to its own port are refused with {@code self_connection}, while a
 * loopback origin on another port is still reached.
 */
class SelfConnectionEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @BeforeAll
    static void tools() {
        Cli.requireCommand("curl");
    }

    private static RunningGateway allowAny() throws Exception {
        RunningGateway.Options d = RunningGateway.Options.defaults().withMode(OutboundPolicy.ALLOW_ANY)
                .withAllowPrivate("127.0.0.0/8");
        return RunningGateway.start(new RunningGateway.Options(d.mode(), d.settings(), d.allowPrivate(), d.hosts(),
                AccessLogFormat.LOGFMT, d.maxLabelValues(), null, d.mesh()));
    }

    private static Cli.Result curl(RunningGateway g, String... args) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "-i", "--max-time", "15", "-x", g.proxyUrl()));
        argv.addAll(List.of(args));
        return Cli.run(WAIT, argv.toArray(new String[0]));
    }

    @Test
    void connectToTheProxysOwnPortOrItsAdminPortIsRefused() throws Exception {
        try (EchoOrigin other = new EchoOrigin(); RunningGateway g = allowAny()) {
            int adminPort = g.gateway.adminAddress().getPort();
            for (int port : new int[] {g.proxyPort(), adminPort}) {
                Cli.Result r = curl(g, "-p", "http://127.0.0.1:" + port + "/");
                assertThat(r.stdout()).as(r.toString()).startsWith("HTTP/1.1 403")
                        .contains("x-portcullis-reason: self_connection");
            }
            assertThat(g.awaitAccessLine(l -> l.contains("requested=127.0.0.1:" + g.proxyPort())))
                    .contains("decision=denied", "reason=self_connection", "this gateway's own explicit proxy");

            // The same policy still reaches a loopback origin on another port.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), g.proxyPort()));
                s.setSoTimeout((int) WAIT.toMillis());
                String authority = "127.0.0.1:" + other.port();
                s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\nping\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readNBytes(39 + 5), StandardCharsets.US_ASCII);
                assertThat(answer).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\nping\n");
            }
        }
    }

    @Test
    void aRequestForwardedToTheAdminPortIsRefused() throws Exception {
        try (RunningGateway g = allowAny()) {
            int adminPort = g.gateway.adminAddress().getPort();
            Cli.Result r = curl(g, "http://127.0.0.1:" + adminPort + "/healthz/ready");
            assertThat(r.stdout()).as(r.toString()).startsWith("HTTP/1.1 403")
                    .contains("x-portcullis-reason: self_connection", "admin endpoint");
        }
    }

    @Test
    void aGatewayTcpListenerRoutedToItsOwnPortIsRefused() throws Exception {
        int gatewayPort = FreePorts.pick();
        try (RunningGateway g = allowAny()) {
            g.apply("loop.yaml", """
                    apiVersion: networking.istio.io/v1alpha3
                    kind: ServiceEntry
                    metadata: {name: loop}
                    spec:
                      hosts: [loop.internal]
                      addresses: [127.0.0.1]
                      ports: [{number: %1$d, name: tcp, protocol: TCP}]
                      resolution: STATIC
                      endpoints: [{address: 127.0.0.1}]
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      servers:
                      - port: {number: %1$d, name: tcp, protocol: TCP}
                        hosts: [loop.internal]
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: VirtualService
                    metadata: {name: loop}
                    spec:
                      hosts: [loop.internal]
                      gateways: [egress]
                      tcp:
                      - route: [{destination: {host: loop.internal, port: {number: %1$d}}}]
                    """.formatted(gatewayPort));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort));
                s.setSoTimeout((int) WAIT.toMillis());
                InputStream in = s.getInputStream();
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThat(g.awaitAccessLine(l -> l.contains("listener=tcp_" + gatewayPort)))
                    .contains("decision=denied", "reason=self_connection");
            assertThat(g.accessLines()).as("one connection, not a chain of them")
                    .filteredOn(l -> l.contains("listener=tcp_" + gatewayPort)).hasSize(1);
        }
    }
}
