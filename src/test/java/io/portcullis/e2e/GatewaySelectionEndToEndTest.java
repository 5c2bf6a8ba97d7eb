package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.GatewayLabels;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.TempConfigDir;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances with different labels share one configuration folder: each opens listeners
 * only for the Gateways whose selector its labels match (Istio's {@code Gateway.selector}), and a
 * Gateway with an empty selector is served by both. curl reaches the origin through the instance
 * that serves a Gateway and finds the port closed on the other.
 */
class GatewaySelectionEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static String tcpGateway(String name, String selector, int gatewayPort, int originPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: %1$s
                spec:
                  selector: %2$s
                  servers:
                  - port: {number: %3$d, name: tcp-%1$s, protocol: TCP}
                    hosts: [origin.test]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: through-%1$s
                spec:
                  hosts: [origin.test]
                  gateways: [%1$s]
                  tcp:
                  - match:
                    - port: %3$d
                    route:
                    - destination:
                        host: origin.test
                        port: {number: %4$d}
                """.formatted(name, selector, gatewayPort, originPort);
    }

    @Test
    void aGatewayWhoseSelectorDoesNotMatchOpensNoListenerOnThatInstance() throws Exception {
        Cli.requireCommand("curl");
        int egressPort = FreePorts.pick();
        int sniProxyPort = FreePorts.pick();
        int everyPort = FreePorts.pick();
        InetAddress second = InetAddress.getByName("127.0.0.2");
        try (HttpOrigin origin = new HttpOrigin("origin");
             TempConfigDir shared = TempConfigDir.create();
             RunningGateway egress = RunningGateway.start(TempConfigDir.at(shared.path()), RunningGateway.Options.defaults()
                     .withHost("origin.test", "127.0.0.1")
                     .withLabels(GatewayLabels.of(Map.of("istio", "egressgateway", "app", "portcullis"))));
             // The second instance binds its Gateway listeners on 127.0.0.2, so a Gateway both serve fits twice.
             RunningGateway sniProxy = RunningGateway.start(TempConfigDir.at(shared.path()), RunningGateway.Options.defaults()
                     .withHost("origin.test", "127.0.0.1")
                     .withSettings(ProxySettings.defaults(second))
                     .withLabels(GatewayLabels.parse("istio=egressgateway-with-sni-proxy")))) {
            long egressBefore = egress.gateway.generation();
            long sniBefore = sniProxy.gateway.generation();
            shared.write("origin.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata:
                      name: origin
                    spec:
                      hosts: [origin.test]
                      ports:
                      - {number: %d, name: tcp, protocol: TCP}
                      location: MESH_EXTERNAL
                      resolution: DNS
                    ---
                    """.formatted(origin.port())
                    + tcpGateway("egress", "{istio: egressgateway}", egressPort, origin.port()) + "---\n"
                    + tcpGateway("sni-proxy", "{istio: egressgateway-with-sni-proxy}", sniProxyPort, origin.port())
                    + "---\n" + tcpGateway("every", "{}", everyPort, origin.port()));
            egress.awaitGenerationAfter(egressBefore);
            sniProxy.awaitGenerationAfter(sniBefore);

            assertThat(curl("127.0.0.1", egressPort).stdout()).isEqualTo(origin.body());
            assertRefused(curl("127.0.0.1", sniProxyPort));
            assertThat(curl("127.0.0.2", sniProxyPort).stdout()).isEqualTo(origin.body());
            assertRefused(curl("127.0.0.2", egressPort));
            assertThat(curl("127.0.0.1", everyPort).stdout()).isEqualTo(origin.body());
            assertThat(curl("127.0.0.2", everyPort).stdout()).isEqualTo(origin.body());

            assertThat(egress.gateway.policy().unselectedGateways()).extracting(g -> g.id().name())
                    .containsExactly("sni-proxy");
            assertThat(sniProxy.gateway.policy().unselectedGateways()).extracting(g -> g.id().name())
                    .containsExactly("egress");
        }
    }

    private static Cli.Result curl(String address, int port) {
        return Cli.run(TIMEOUT, "curl", "-sS", "--max-time", "15", "http://" + address + ":" + port + "/");
    }

    private static void assertRefused(Cli.Result r) {
        // curl's exit code 7: could not connect (nothing listens there).
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(7);
    }
}
