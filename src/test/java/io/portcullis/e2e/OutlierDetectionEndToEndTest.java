package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.RawHttpOrigin;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
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

    /**
     * The silent endpoint first, the healthy one second, two gateway errors to eject, and one http
     * route with {@code action} (its timeouts).
     */
    private static String silentFirst(RawHttpOrigin silent, HttpOrigin healthy, String action) {
        return config(silent.port(), healthy.port(),
                "{consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, baseEjectionTime: 5m}") + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api}
                spec:
                  hosts: [api.example.test]
                  http:
                  - %s
                    route: [{destination: {host: api.example.test, port: {number: 8080}}}]
                """.formatted(action);
    }

    /**
     * The route's {@code timeout} answering 504 counts as a gateway error for the endpoint that did
     * not answer, as Envoy records a local-origin timeout with external and local-origin errors not
     * split: two timeouts from the silent endpoint eject it, and the next requests go to the healthy one.
     */
    @Test
    void aRouteTimeoutCountsAsAGatewayErrorOfTheSilentEndpoint() throws Exception {
        try (RawHttpOrigin silent = new RawHttpOrigin((head, in, out) -> drain(in));
             HttpOrigin healthy = new HttpOrigin("healthy");
             RunningGateway g = RunningGateway.start()) {
            g.apply("api.yaml", silentFirst(silent, healthy, "timeout: 3s"));
            assertThat(curl(g, 4)).containsExactly("504", "504", "200", "200");
            assertThat(silent.heads()).as("requests the silent endpoint got").hasSize(2);
            assertThat(healthy.requestCount()).isEqualTo(2);
            assertThat(g.scrape().sum("portcullis_outlier_ejections_total", "endpoint", "127.0.0.1:" + silent.port(),
                    "detector", "consecutive_gateway_errors")).isEqualTo(1);
        }
    }

    /**
     * A {@code perTryTimeout} counts as well: the first request's two tries time out on the silent
     * endpoint, which ejects it, so its third try (and every later request) goes to the healthy one.
     */
    @Test
    void perTryTimeoutsCountAndTheRetryGoesToTheHealthyEndpoint() throws Exception {
        try (RawHttpOrigin silent = new RawHttpOrigin((head, in, out) -> drain(in));
             HttpOrigin healthy = new HttpOrigin("healthy");
             RunningGateway g = RunningGateway.start()) {
            g.apply("api.yaml", silentFirst(silent, healthy,
                    "retries: {attempts: 2, perTryTimeout: 3s, retryOn: gateway-error}"));
            assertThat(curl(g, 2)).containsExactly("200", "200");
            assertThat(silent.heads()).as("tries the silent endpoint got").hasSize(2);
            assertThat(healthy.requestCount()).isEqualTo(2);
        }
    }

    /**
     * The ejection multiplier decays as Envoy's does: an endpoint ejected once, then in service for
     * a whole {@code interval}, is ejected the second time for the base time again, not twice it.
     * Every wait here is a lower bound: a slower machine only lets more intervals pass, which decay
     * to the same base time.
     */
    @Test
    void anEndpointInServiceForAnIntervalIsEjectedForTheBaseTimeAgain() throws Exception {
        Duration base = Duration.ofSeconds(3);
        Duration interval = Duration.ofSeconds(1);
        AtomicReference<HttpResponseStatus> answer = new AtomicReference<>(HttpResponseStatus.SERVICE_UNAVAILABLE);
        try (HttpOrigin flaky = new HttpOrigin("flaky") {
                 @Override
                 protected HttpResponseStatus status() {
                     return answer.get();
                 }
             };
             HttpOrigin healthy = new HttpOrigin("healthy");
             RunningGateway g = RunningGateway.start()) {
            // One request a connection: each request is balanced afresh (a kept connection stays with its endpoint).
            g.apply("api.yaml", config(flaky.port(), healthy.port(),
                    "{consecutive5xxErrors: 2, baseEjectionTime: 3s, interval: 1s}\n"
                            + "    connectionPool: {http: {maxRequestsPerConnection: 1}}"));
            assertThat(curl(g, 3)).containsExactly("503", "503", "200");

            // Recovered: once its ejection ends, the first endpoint takes requests again; then a whole interval passes.
            answer.set(HttpResponseStatus.OK);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> curl(g, 1).equals(List.of("200")) && flaky.requestCount() > 2);
            Thread.sleep(interval.toMillis() + 500);

            answer.set(HttpResponseStatus.SERVICE_UNAVAILABLE);
            int before = flaky.requestCount();
            assertThat(curl(g, 2)).containsExactly("503", "503");
            long ejectedBy = System.nanoTime();
            assertThat(flaky.requestCount()).isEqualTo(before + 2);
            answer.set(HttpResponseStatus.OK);
            assertThat(curl(g, 1)).containsExactly("200");
            assertThat(flaky.requestCount()).as("the ejected endpoint is tried last").isEqualTo(before + 2);

            // The base time (not twice it, as without decay) after the second ejection, the endpoint is back.
            Thread.sleep(Math.max(0, Duration.ofNanos(ejectedBy - System.nanoTime()).plus(base).toMillis()) + 1000);
            assertThat(curl(g, 1)).containsExactly("200");
            assertThat(flaky.requestCount()).as("requests the recovered endpoint got").isEqualTo(before + 3);
            assertThat(g.scrape().sum("portcullis_outlier_ejections_total", "endpoint", "127.0.0.1:" + flaky.port()))
                    .isEqualTo(2);
        }
    }

    private static void drain(InputStream in) throws java.io.IOException {
        byte[] buffer = new byte[1024];
        while (in.read(buffer) >= 0) {
            // Never answers: reads until the gateway gives up and closes.
        }
    }
}
