package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.testsupport.EchoOrigin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CONNECT tunnels at their edges, with real sockets to a TCP echo origin: a client that
 * half-closes before the {@code 200} arrives, one that resets, bytes pipelined behind the CONNECT
 * head, and client-first protocols whose first bytes are too short to classify. The gateway runs
 * with a 60 s inspect timeout, so a tunnel that waits for it shows up as a missing answer within
 * the 20 s these tests wait, never as a slow pass.
 */
class ConnectTunnelEdgesEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int CLIENTS = 20;

    private static RunningGateway gateway() throws Exception {
        ProxySettings defaults = ProxySettings.defaults(InetAddress.getLoopbackAddress());
        ProxySettings settings = new ProxySettings(defaults.gatewayAddress(), defaults.maxHeaderBytes(),
                defaults.maxClientHello(), Duration.ofSeconds(60), defaults.idleTimeout(), defaults.connectTimeout());
        RunningGateway.Options d = RunningGateway.Options.defaults().withHost("echo.test", "127.0.0.1")
                .withSettings(settings);
        return RunningGateway.start(new RunningGateway.Options(OutboundPolicy.REGISTRY_ONLY, d.settings(),
                d.allowPrivate(), d.hosts(), AccessLogFormat.LOGFMT, d.maxLabelValues(), null, d.mesh()));
    }

    private static String entry(int port, String protocol) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [echo.test]
                  ports: [{number: %d, name: echo, protocol: %s}]
                  resolution: DNS
                """.formatted(port, protocol);
    }

    /** Opens a connection to the proxy and sends {@code CONNECT echo.test:PORT} followed by {@code after}. */
    private static Socket connect(RunningGateway g, int port, byte[] after) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), g.proxyPort()));
        s.setSoTimeout((int) WAIT.toMillis());
        String head = "CONNECT echo.test:" + port + " HTTP/1.1\r\nHost: echo.test:" + port + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + after.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(after, 0, all, h.length, after.length);
        s.getOutputStream().write(all);
        s.getOutputStream().flush();
        return s;
    }

    /** Reads the response head (up to the empty line). */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads exactly {@code n} bytes, or what came before the end of input. */
    private static String read(InputStream in, int n) throws IOException {
        byte[] buf = in.readNBytes(n);
        return new String(buf, StandardCharsets.ISO_8859_1);
    }

    private static double openConnections(RunningGateway g) {
        return g.scrape().sum("portcullis_open_connections");
    }

    /**
     * Defect 1 (issue 11): the client half-closes right after its CONNECT, before the 200. The
     * half-close must reach the upstream once the tunnel is up (the echo origin then closes), so
     * every tunnel ends: the client sees the end of input, the origin has no connection left and
     * the open-connections gauge is back to zero.
     */
    @ParameterizedTest(name = "port declared {0}")
    @ValueSource(strings = {"TCP", "HTTP"})
    void aHalfCloseBeforeThe200ReachesTheUpstreamAndEveryTunnelEnds(String protocol) throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = gateway()) {
            g.apply("echo.yaml", entry(echo.port(), protocol));
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = connect(g, echo.port(), new byte[0]);
                    s.shutdownOutput();
                    clients.add(s);
                }
                for (Socket s : clients) {
                    InputStream in = s.getInputStream();
                    assertThat(head(in)).startsWith("HTTP/1.1 200");
                    try {
                        assertThat(in.read()).as("the end of the tunnel after the client's half-close").isEqualTo(-1);
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("the tunnel stayed open " + WAIT.toSeconds()
                                + " s after the client half-closed (its half-close never reached the upstream)", e);
                    }
                }
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(echo.open()).as("connections still open at the origin").isZero();
                    assertThat(openConnections(g)).as("portcullis_open_connections").isZero();
                });
                assertThat(echo.accepted()).isEqualTo(CLIENTS);
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
        }
    }

    /** Defect 1: a client that resets its connection ends the tunnel on both sides at once. */
    @ParameterizedTest(name = "port declared {0}")
    @ValueSource(strings = {"TCP", "HTTP"})
    void aResetClosesBothSides(String protocol) throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = gateway()) {
            g.apply("echo.yaml", entry(echo.port(), protocol));
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = connect(g, echo.port(), new byte[0]);
                if (i % 2 == 0) {
                    // Half of them once the tunnel is up, half right after the CONNECT.
                    assertThat(head(s.getInputStream())).startsWith("HTTP/1.1 200");
                }
                s.setSoLinger(true, 0);
                s.close();
            }
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(echo.open()).as("connections still open at the origin").isZero();
                assertThat(openConnections(g)).as("portcullis_open_connections").isZero();
            });
        }
    }

    /**
     * Defect 2: bytes sent in the same write as the CONNECT head, neither TLS nor HTTP, reach the
     * upstream at once (they used to wait for the client's next write).
     */
    @ParameterizedTest(name = "port declared {0}")
    @ValueSource(strings = {"TCP", "HTTP"})
    void bytesPipelinedAfterTheConnectHeadAreDeliveredAtOnce(String protocol) throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = gateway()) {
            g.apply("echo.yaml", entry(echo.port(), protocol));
            try (Socket s = connect(g, echo.port(), "PING\r\n".getBytes(StandardCharsets.US_ASCII))) {
                InputStream in = s.getInputStream();
                assertThat(head(in)).startsWith("HTTP/1.1 200");
                assertThat(read(in, 6)).isEqualTo("PING\r\n");
            }
        }
    }

    /**
     * Defect 3: on a port declared TCP, a client-first protocol whose greeting could still begin
     * an HTTP request line or a TLS record is relayed at once, in both directions, and the tunnel
     * carries on; the access line says the tunnel was allowed.
     */
    @ParameterizedTest(name = "greeting {0}")
    @ValueSource(strings = {"x", "GET", "\u0016"})
    void aShortGreetingOnATcpPortIsRelayedAtOnce(String greeting) throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = gateway()) {
            g.apply("echo.yaml", entry(echo.port(), "TCP"));
            try (Socket s = connect(g, echo.port(), new byte[0])) {
                InputStream in = s.getInputStream();
                assertThat(head(in)).startsWith("HTTP/1.1 200");
                s.getOutputStream().write(greeting.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                assertThat(read(in, greeting.length())).isEqualTo(greeting);
                s.getOutputStream().write(" more\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(read(in, 6)).isEqualTo(" more\n");
                s.shutdownOutput();
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThat(g.awaitAccessLine(l -> l.contains("listener=proxy_")))
                    .contains("decision=allowed", "reason=declared");
        }
    }

    /**
     * Defect 3, the other side: on a port declared HTTP the Host check still applies to a request
     * whose first bytes ({@code GET}) arrive alone: they wait for the rest, and a Host that names
     * another host is refused, never echoed by the origin.
     */
    @Test
    void aShortGreetingOnAnHttpPortStillHasItsHostChecked() throws Exception {
        try (EchoOrigin echo = new EchoOrigin(); RunningGateway g = gateway()) {
            g.apply("echo.yaml", entry(echo.port(), "HTTP"));
            try (Socket s = connect(g, echo.port(), new byte[0])) {
                InputStream in = s.getInputStream();
                assertThat(head(in)).startsWith("HTTP/1.1 200");
                s.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.getOutputStream().write((" / HTTP/1.1\r\nHost: other.test:" + echo.port() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                String answer = head(in);
                assertThat(answer).startsWith("HTTP/1.1 403").contains("x-portcullis-reason: host_mismatch");
            }
            assertThat(echo.accepted()).isEqualTo(1);
        }
    }
}
