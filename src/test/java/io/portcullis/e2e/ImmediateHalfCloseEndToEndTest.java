package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.RedisServerProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A client that sends its request and half-closes at once, before the gateway has connected
 * upstream ({@code printf ... | nc -N}): its bytes and its half-close must both reach the upstream,
 * and the answer come back. (Netty's epoll reads them even with auto-read off, and refuses to read
 * again on a channel whose input is shut down; both used to lose the request.)
 */
class ImmediateHalfCloseEndToEndTest {
    @Test
    void aTcpListenerKeepsTheRequestAndTheHalfCloseUntilTheUpstreamIsThere() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start(); RunningGateway g = RunningGateway.startLogfmt()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml", port -> """
                    apiVersion: networking.istio.io/v1alpha3
                    kind: ServiceEntry
                    metadata: {name: redis-serviceentry}
                    spec:
                      hosts: [redis.domain]
                      addresses: [127.0.0.1]
                      ports: [{number: %2$d, name: tcp-redis, protocol: TCP}]
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      servers:
                      - port: {number: %1$d, name: tcp-redis, protocol: TCP}
                        hosts: [redis.domain]
                    ---
                    apiVersion: networking.istio.io/v1alpha3
                    kind: VirtualService
                    metadata: {name: redis-through-egress-gateway}
                    spec:
                      hosts: [redis.domain]
                      gateways: [istio-egressgateway]
                      tcp:
                      - route: [{destination: {host: redis.domain, port: {number: %2$d}}}]
                    """.formatted(port, redis.port()));
            Cli.run(Duration.ofSeconds(10), "redis-cli", "-p", String.valueOf(redis.port()), "SET", "order", "42")
                    .requireSuccess();
            Cli.Result r = Cli.run(Duration.ofSeconds(20), "sh", "-c",
                    "printf 'GET order\\r\\n' | nc -N -w 10 127.0.0.1 " + gatewayPort);
            assertThat(r.stdout()).as(r.toString()).isEqualTo("$2\r\n42\r\n");
            assertThat(g.awaitAccessLine(l -> l.contains("listener=tcp_" + gatewayPort)))
                    .contains("decision=allowed", "bytes_sent=11", "bytes_received=8");
        }
    }
}
