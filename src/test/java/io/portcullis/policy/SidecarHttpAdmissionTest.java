package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.DestinationRule.ClientTlsMode;
import io.portcullis.model.ResourceId;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's verdicts on one captured HTTP request (Istio's tasks 05 and 09, without sockets): a
 * request follows its mesh http route's destination, and without a route goes straight out to the
 * entry's targetPort with the DestinationRule's TLS; the connection-level decision (bytes) is unchanged.
 */
class SidecarHttpAdmissionTest {
    private static final String CNN = "edition.cnn.example.test";
    private static final String GATEWAY = "istio-egressgateway.istio-system.svc.cluster.local";
    private static final InetSocketAddress ORIGINAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 80);
    private static final ResourceId VS = new ResourceId("VirtualService", "default", "direct-cnn-through-egress-gateway");

    private static EgressPolicy compile(String file) throws IOException {
        LoadResult result = FolderLoader.fromFiles(Map.of(file, Files.readString(Path.of("examples/istio-tasks", file))));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static Facts.Builder request() {
        return Facts.of(ListenerKind.SIDECAR_CAPTURE, 80).originalDestination(ORIGINAL)
                .host(HostPort.ofName(CNN, 80)).http("GET", "/politics", RequestHeaders.NONE);
    }

    @Test
    void withoutARouteARequestGoesToTheTargetPortWithTheDestinationRulesTls() throws IOException {
        EgressPolicy p = compile("05-tls-origination-cnn.yaml");
        Verdict.Forward request = (Verdict.Forward) Admission.admit(p, request().build());
        assertThat(request.target().candidates()).singleElement().hasToString("127.0.0.1:443");
        assertThat(request.upstreamTls()).hasValueSatisfying(t -> {
            assertThat(t.tls().mode()).isEqualTo(ClientTlsMode.SIMPLE);
            assertThat(t.sni()).contains(CNN);
        });
        assertThat(request.owed(OwedCheck.NameResolvesTo.class)).hasValueSatisfying(c ->
                assertThat(c.name()).isEqualTo(CNN));

        // The connection as a whole (what a byte relay decides on) stays as it was.
        Verdict.Forward connection = (Verdict.Forward) Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 80)
                .originalDestination(ORIGINAL).host(HostPort.ofName(CNN, 80)).build());
        assertThat(connection.target().candidates()).singleElement().hasToString("127.0.0.1:80");
        assertThat(connection.upstreamTls()).isEmpty();
    }

    @Test
    void aMeshHttpRouteSendsTheRequestToTheEgressGatewayWithTheSubsetsTls() throws IOException {
        EgressPolicy p = compile("09-egress-gateway-tls-origination.yaml");
        assertThat(p.sidecar().isSidecarsHop(GATEWAY)).as("the gateway is the sidecars' hop").isTrue();
        Verdict.Forward v = (Verdict.Forward) Admission.admit(p, request()
                .routedTo(new RoutedDestination(VS, GATEWAY, Optional.of("cnn"), 80)).build());
        assertThat(v.viaGateway()).isTrue();
        assertThat(v.route()).contains(VS);
        assertThat(v.target().candidates()).singleElement().satisfies(c -> assertThat(c.name()).isEqualTo(GATEWAY));
        assertThat(v.upstreamTls()).hasValueSatisfying(t -> {
            assertThat(t.tls().mode()).isEqualTo(ClientTlsMode.ISTIO_MUTUAL);
            assertThat(t.sni()).contains(CNN);
        });
        assertThat(v.owed(OwedCheck.NameResolvesTo.class)).isPresent();

        Verdict noSubset = Admission.admit(p, request()
                .routedTo(new RoutedDestination(VS, GATEWAY, Optional.of("nginx"), 80)).build());
        assertThat(noSubset.reason()).isEqualTo(Reason.NO_ROUTE);
        assertThat(noSubset.message()).contains("subset nginx of " + GATEWAY + ", which no DestinationRule defines");
    }

    @Test
    void anUndeclaredHostIsRefusedWhateverTheRoute() throws IOException {
        EgressPolicy p = compile("09-egress-gateway-tls-origination.yaml");
        Verdict v = Admission.admit(p, Facts.of(ListenerKind.SIDECAR_CAPTURE, 80).originalDestination(ORIGINAL)
                .host(HostPort.ofName("other.example.test", 80)).http("GET", "/", RequestHeaders.NONE)
                .routedTo(new RoutedDestination(VS, GATEWAY, Optional.of("cnn"), 80)).build());
        assertThat(v.reason()).isEqualTo(Reason.NO_SERVICE_ENTRY);
    }
}
