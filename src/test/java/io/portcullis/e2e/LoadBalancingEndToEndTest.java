package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.EchoOrigin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * DestinationRule {@code loadBalancer.simple} and {@code outlierDetection} for an entry with several
 * endpoints, with raw sockets through a TCP Gateway server to real echo origins.
 */
class LoadBalancingEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static String endpoints(int gatewayPort, int servicePort, String trafficPolicy, int... ports) {
        StringBuilder eps = new StringBuilder();
        for (int p : ports) {
            eps.append("  - {address: 127.0.0.1, ports: {tcp-echo: ").append(p).append("}}\n");
        }
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [echo.example.test]
                  ports:
                  - {number: %2$d, name: tcp-echo, protocol: TCP}
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints:
                %3$s---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo}
                spec:
                  host: echo.example.test
                  trafficPolicy: %4$s
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: %1$d, name: tcp-echo, protocol: TCP}
                    hosts: [echo.example.test]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo}
                spec:
                  hosts: [echo.example.test]
                  gateways: [egress]
                  tcp:
                  - match: [{port: %1$d}]
                    route:
                    - destination: {host: echo.example.test, port: {number: %2$d}}
                """.formatted(gatewayPort, servicePort, eps, trafficPolicy);
    }

    private static void echoOnce(int gatewayPort) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gatewayPort), 10_000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("hi\n");
        }
    }

    @Test
    void roundRobinSpreadsConnectionsEvenly() throws Exception {
        try (EchoOrigin a = new EchoOrigin(); EchoOrigin b = new EchoOrigin(); EchoOrigin c = new EchoOrigin();
             RunningGateway g = RunningGateway.start()) {
            int gatewayPort = g.applyOnFreePort("echo.yaml", port -> endpoints(port, 7000,
                    "{loadBalancer: {simple: ROUND_ROBIN}}", a.port(), b.port(), c.port()));
            for (int i = 0; i < 6; i++) {
                echoOnce(gatewayPort);
            }
            // Without a balancer, the first endpoint takes all six.
            assertThat(new int[] {a.accepted(), b.accepted(), c.accepted()}).containsExactly(2, 2, 2);
        }
    }

    @Test
    void anEndpointWhoseConnectsFailIsEjectedAndNoLongerTriedFirst() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            dead = s.getLocalPort(); // closed again: connects to it are refused
        }
        try (EchoOrigin live = new EchoOrigin(); RunningGateway g = RunningGateway.start()) {
            int gatewayPort = g.applyOnFreePort("echo.yaml", port -> endpoints(port, 7000,
                    "{outlierDetection: {consecutiveGatewayErrors: 2, baseEjectionTime: 5m, maxEjectionPercent: 50}}",
                    dead, live.port()));
            for (int i = 0; i < 5; i++) {
                echoOnce(gatewayPort);
            }
            assertThat(live.accepted()).isEqualTo(5);
            // Two connections tried the dead endpoint first (refused), then the live one; once ejected, the
            // dead endpoint is tried last: 2 x 2 + 3 x 1 upstream connects in all, not 10.
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(g.scrape().sum(
                    "portcullis_handshake_duration_seconds_count", "phase", "tcp_connect")).isEqualTo(7));
        }
    }
}
