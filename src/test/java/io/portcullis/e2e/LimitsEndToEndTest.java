package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.EnvoyAccessLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Bad and hostile input over real sockets: oversized and slow request heads, oversized and
 * malformed ClientHellos; and the relay's half-close and ALLOW_ANY behaviour.
 */
class LimitsEndToEndTest {

    private static ProxySettings quickInspect() {
        return new ProxySettings(InetAddress.getLoopbackAddress(), 64 * 1024, 16 * 1024, Duration.ofMillis(500),
                Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    private static String exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // The gateway may answer and close before it has read everything we send.
            }
            return readAll(s.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = in.read(chunk)) > 0; ) {
                buf.write(chunk, 0, n);
            }
        } catch (IOException e) {
            // A reset after the answer is fine: the answer is what we assert on.
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRequestHeadOver64KiBGets431() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            String big = "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\n\r\n";
            String answer = exchange(g.proxyPort(), big.getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).startsWith("HTTP/1.1 431").contains("x-portcullis-reason: header_too_large");
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("response_code_details").equals("header_too_large"));
            assertThat(line.get("response_code")).isEqualTo("431");
            assertThat(line.get("response_flags")).isEqualTo("DPE");
        }
    }

    @Test
    void aSlowRequestHeadGets408() throws Exception {
        try (RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY, quickInspect());
             Socket s = new Socket(InetAddress.getLoopbackAddress(), g.proxyPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("CONNECT a.test:443 HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408").contains("x-portcullis-reason: inspect_timeout");
        }
    }

    @Test
    void garbageRequestsGet400WithTheReason() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            assertThat(exchange(g.proxyPort(), "GET /relative HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("HTTP/1.1 400").contains("not a proxy request");
            assertThat(exchange(g.proxyPort(), "CONNECT a.test HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("HTTP/1.1 400").contains("a port is required");
            assertThat(exchange(g.proxyPort(), "CONNECT user@a.test:443 HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("HTTP/1.1 400");
            assertThat(exchange(g.proxyPort(), "\u0016\u0003\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)))
                    .startsWith("HTTP/1.1 400");
        }
    }

    private static String tlsGateway(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: any-test}
                spec:
                  hosts: ["*.example.test"]
                  ports: [{number: %1$d, name: tls, protocol: TLS}]
                  resolution: DYNAMIC_DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  servers:
                  - port: {number: %1$d, name: tls, protocol: TLS}
                    hosts: ["*.example.test"]
                    tls: {mode: PASSTHROUGH}
                """.formatted(port);
    }

    @Test
    void anOversizedClientHelloIsRefused() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            int port = g.applyOnFreePort("tls.yaml", LimitsEndToEndTest::tlsGateway);
            // A handshake record announcing a 20 KiB ClientHello: refused from its header alone.
            byte[] hello = new byte[9];
            hello[0] = 22;
            hello[1] = 3;
            hello[2] = 1;
            hello[3] = 0x40;
            hello[4] = 0x00;
            hello[5] = 1;
            hello[6] = 0x00;
            hello[7] = 0x50;
            hello[8] = 0x00;
            byte[] request = new byte[hello.length + 0x4000];
            System.arraycopy(hello, 0, request, 0, hello.length);
            exchange(port, request);
            assertThat(g.awaitAccess(l -> l.get("response_code_details").equals("client_hello_too_large")).listenerPort())
                    .isEqualTo(port);
        }
    }

    @Test
    void aClientHelloThatNeverCompletesTimesOut() throws Exception {
        try (RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY, quickInspect())) {
            int port = g.applyOnFreePort("tls.yaml", LimitsEndToEndTest::tlsGateway);
            exchange(port, new byte[] {22, 3, 1, 0, 100, 1, 0});
            assertThat(g.awaitAccess(l -> l.get("response_code_details").equals("inspect_timeout")).get("response_flags"))
                    .isEqualTo("SI");
        }
    }

    /** Upstream that reads until the client half-closes, then answers with what it read, reversed. */
    private static CompletableFuture<Void> reverseAfterEof(ServerSocket server) {
        return CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
                byte[] all = s.getInputStream().readAllBytes();
                byte[] reversed = new byte[all.length];
                for (int i = 0; i < all.length; i++) {
                    reversed[i] = all[all.length - 1 - i];
                }
                s.getOutputStream().write(reversed);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void halfCloseThroughAConnectTunnelStillDeliversTheAnswer() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             RunningGateway g = RunningGateway.start(OutboundPolicy.ALLOW_ANY, quickInspect())) {
            CompletableFuture<Void> served = reverseAfterEof(upstream);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), g.proxyPort()));
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("CONNECT 127.0.0.1:" + upstream.getLocalPort() + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] payload = new byte[3 * 1024 * 1024];
                for (int i = 0; i < payload.length; i++) {
                    payload[i] = (byte) i;
                }
                out.write(payload);
                s.shutdownOutput();
                String answer = readAll(s.getInputStream());
                String head = "HTTP/1.1 200 Connection established\r\n\r\n";
                assertThat(answer).startsWith(head);
                assertThat(answer.length() - head.length()).isEqualTo(payload.length);
                assertThat((byte) answer.charAt(head.length())).isEqualTo(payload[payload.length - 1]);
            }
            served.get(10, TimeUnit.SECONDS);
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("authority").equals("127.0.0.1:" + upstream.getLocalPort()));
            assertThat(line.get("response_code_details")).isEqualTo("undeclared_allowed");
            assertThat(line.get("upstream_cluster")).isEqualTo("PassthroughCluster");
            assertThat(line.get("route_name")).isEqualTo("allow_any");
            assertThat(line.number("bytes_received")).isEqualTo(3 * 1024 * 1024);
            assertThat(line.number("bytes_sent")).isEqualTo(3 * 1024 * 1024);
        }
    }
}
