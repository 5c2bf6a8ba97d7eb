package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.testsupport.EchoOrigin;
import io.portcullis.testsupport.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Defect 4 of issue 11: a client that sends part of a TLS ClientHello and then its FIN can never
 * complete it, so the connection is closed at once with {@code incomplete_client_hello}, on a TLS
 * passthrough listener and inside a CONNECT tunnel to a TLS port alike. The gateway runs with a
 * 60 s inspect timeout: waiting for it shows up as no end of input within the 20 s waited here.
 */
class IncompleteClientHelloEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** A TLS 1.2 record header announcing a 512-byte ClientHello, and the first bytes of that hello. */
    private static final byte[] PARTIAL_HELLO = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03,
        0x11, 0x22, 0x33};

    private static RunningGateway gateway() throws Exception {
        ProxySettings d = ProxySettings.defaults(InetAddress.getLoopbackAddress());
        ProxySettings settings = new ProxySettings(d.gatewayAddress(), d.maxHeaderBytes(), d.maxClientHello(),
                Duration.ofSeconds(60), d.idleTimeout(), d.connectTimeout());
        RunningGateway.Options o = RunningGateway.Options.defaults().withHost("tls.example.test", "127.0.0.1");
        return RunningGateway.start(new RunningGateway.Options(OutboundPolicy.REGISTRY_ONLY, settings, o.allowPrivate(),
                o.hosts(), AccessLogFormat.LOGFMT, o.maxLabelValues(), null, o.mesh()));
    }

    private static void sendPartialHelloAndHalfClose(Socket s) throws IOException {
        s.getOutputStream().write(PARTIAL_HELLO);
        s.getOutputStream().flush();
        s.shutdownOutput();
    }

    private static void assertClosedPromptly(InputStream in) throws IOException {
        try {
            assertThat(in.read()).as("end of input").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection stayed open " + WAIT.toSeconds() + " s after a partial ClientHello"
                    + " and the client's FIN", e);
        }
    }

    @Test
    void aPassthroughListenerClosesAtOnceWithAReason() throws Exception {
        int gatewayPort = FreePorts.pick();
        try (RunningGateway g = gateway()) {
            g.apply("tls.yaml", """
                    apiVersion: networking.istio.io/v1alpha3
                    kind: ServiceEntry
                    metadata: {name: tls}
                    spec:
                      hosts: [tls.example.test]
                      ports:
                      - {number: %1$d, name: tls-gw, protocol: TLS}
                      resolution: DNS
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      servers:
                      - port: {number: %1$d, name: tls, protocol: TLS}
                        hosts: [tls.example.test]
                        tls: {mode: PASSTHROUGH}
                    """.formatted(gatewayPort));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort));
                s.setSoTimeout((int) WAIT.toMillis());
                sendPartialHelloAndHalfClose(s);
                assertClosedPromptly(s.getInputStream());
            }
            assertThat(g.awaitAccessLine(l -> l.contains("listener=tls_" + gatewayPort)))
                    .contains("decision=denied", "reason=incomplete_client_hello", "after 14 bytes");
        }
    }

    @Test
    void aConnectTunnelToATlsPortClosesAtOnceWithAReason() throws Exception {
        try (EchoOrigin origin = new EchoOrigin(); RunningGateway g = gateway()) {
            g.apply("tls.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: tls}
                    spec:
                      hosts: [tls.example.test]
                      ports: [{number: %d, name: tls, protocol: TLS}]
                      resolution: DNS
                    """.formatted(origin.port()));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), g.proxyPort()));
                s.setSoTimeout((int) WAIT.toMillis());
                String authority = "tls.example.test:" + origin.port();
                s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                assertThat(head.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
                sendPartialHelloAndHalfClose(s);
                assertClosedPromptly(in);
            }
            assertThat(g.awaitAccessLine(l -> l.contains("listener=proxy_")))
                    .contains("reason=incomplete_client_hello");
        }
    }
}
