package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DestinationRule {@code outlierDetection} on HTTP answers: a STATIC entry with two real origin
 * endpoints, the first answering every request with an error, curl through the explicit proxy.
 * The declared order sends everything to the first endpoint until its answers eject it; then every
 * request goes to the healthy one, and the ejection is counted in
 * {@code portcullis_outlier_ejections_total}.
 */
class OutlierDetectionEndToEndTest {
    private static final Duration CLI = Duration.ofSeconds(30);

    @BeforeAll
    static void tools() {
        Cli.requireCommand("curl");
    }

    /** An origin that answers every request with {@code status}. */
    private static HttpOrigin failing(String name, HttpResponseStatus status) {
        return new HttpOrigin(name) {
            @Override
            protected HttpResponseStatus status() {
                return status;
            }
        };
    }

    private static String config(int sick, int healthy, String outlierDetection) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.test]
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %d}}
                  - {address: 127.0.0.1, ports: {http: %d}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: api}
                spec:
                  host: api.example.test
                  trafficPolicy:
                    outlierDetection: %s
                """.formatted(sick, healthy, outlierDetection);
    }

    /** The status codes of {@code n} curls, one connection each, through the explicit proxy. */
    private static List<String> curl(RunningGateway g, int n) {
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Cli.Result r = Cli.run(CLI, "curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
                    "-x", g.proxyUrl(), "http://api.example.test:8080/items");
            codes.add(r.stdout().trim());
        }
        return codes;
    }

    @Test
    void consecutive503sEjectTheEndpointAndEveryRequestGoesToTheHealthyOne() throws Exception {
        try (HttpOrigin sick = failing("sick", HttpResponseStatus.SERVICE_UNAVAILABLE);
             HttpOrigin healthy = new HttpOrigin("healthy");
             RunningGateway g = RunningGateway.start()) {
            g.apply("api.yaml", config(sick.port(), healthy.port(), "{consecutive5xxErrors: 3, baseEjectionTime: 5m}"));

            assertThat(curl(g, 8)).containsExactly("503", "503", "503", "200", "200", "200", "200", "200");
            assertThat(sick.requestCount()).as("requests the failing endpoint got").isEqualTo(3);
            assertThat(healthy.requestCount()).as("requests the healthy endpoint got").isEqualTo(5);
            assertThat(g.scrape().sum("portcullis_outlier_ejections_total", "destination", "api.example.test:8080",
                    "endpoint", "127.0.0.1:" + sick.port(), "detector", "consecutive_5xx")).isEqualTo(1);
            assertThat(g.awaitAccess(l -> "/items".equals(l.get("path")) && "200".equals(l.get("response_code")))
                    .get("upstream_host")).isEqualTo("127.0.0.1:" + healthy.port());
        }
    }

    /**
     * {@code consecutiveGatewayErrors} counts 502, 503 and 504 only: an endpoint answering 500 is
     * never ejected by it (the 5xx detector is off here), one answering 502 is.
     */
    @Test
    void gatewayErrorsAreCountedAlone() throws Exception {
        String gatewayOnly = "{consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, baseEjectionTime: 5m}";
        try (HttpOrigin broken = failing("broken", HttpResponseStatus.INTERNAL_SERVER_ERROR);
             HttpOrigin healthy = new HttpOrigin("healthy");
             RunningGateway g = RunningGateway.start()) {
            g.apply("api.yaml", config(broken.port(), healthy.port(), gatewayOnly));
            assertThat(curl(g, 4)).containsOnly("500");
            assertThat(healthy.requestCount()).isZero();
        }
        try (HttpOrigin badGateway = failing("bad-gateway", HttpResponseStatus.BAD_GATEWAY);
             HttpOrigin healthy = new HttpOrigin("healthy");
             RunningGateway g = RunningGateway.start()) {
            g.apply("api.yaml", config(badGateway.port(), healthy.port(), gatewayOnly));
            assertThat(curl(g, 4)).containsExactly("502", "502", "200", "200");
            assertThat(g.scrape().sum("portcullis_outlier_ejections_total", "detector", "consecutive_gateway_errors"))
                    .isEqualTo(1);
        }
    }
}
