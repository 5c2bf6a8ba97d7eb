package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.RawHttpOrigin;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * VirtualService http routes served end to end, with real curl through the explicit proxy and through a
 * plain-HTTP Gateway server, to real origins: matching, weighted destinations, rewrite, header operations,
 * fault injection, timeouts, retries, redirects and direct responses, and default deny on a route's destination.
 */
class HttpRoutesEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(30);
    private static final String HOSTS_ = "api.example.test";

    static HttpOrigin v1;
    static HttpOrigin v2;

    @BeforeAll
    static void start() {
        Cli.requireCommand("curl");
        v1 = new HttpOrigin("v1");
        v2 = new HttpOrigin("v2");
    }

    @AfterAll
    static void stop() {
        v1.close();
        v2.close();
    }

    private static RunningGateway gateway() throws Exception {
        return RunningGateway.start(HOSTS_, "v1.example.test", "v2.example.test", "flaky.example.test",
                "undeclared.example.test");
    }

    static String entry(String name, String host, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                """.formatted(name, host, port);
    }

    private static String origins() {
        return entry("v1", "v1.example.test", v1.port()) + entry("v2", "v2.example.test", v2.port());
    }

    private static String virtualService(String name, String hostsAndGateways, String http) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s}
                spec:
                %s
                  http:
                %s
                ---
                """.formatted(name, hostsAndGateways.indent(2).stripTrailing(), http.indent(2).stripTrailing());
    }

    /** curl through the explicit proxy; stdout ends with the status code on its own line. */
    private static Cli.Result curl(RunningGateway g, String... args) {
        String[] argv = new String[args.length + 8];
        System.arraycopy(new String[] {"curl", "-sS", "--max-time", "20", "-x", g.proxyUrl(), "-w", "\\n%{http_code}"},
                0, argv, 0, 8);
        System.arraycopy(args, 0, argv, 8, args.length);
        return Cli.run(CURL, argv);
    }

    @Test
    void aRouteChoosesTheDestinationRewritesThePathAndEditsHeadersBothWays() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("routes.yaml", origins() + virtualService("api", "hosts: [api.example.test]", """
                    - name: beta
                      match:
                      - uri: {prefix: /v2/}
                        headers: {x-beta: {exact: "yes"}}
                      rewrite: {uri: /}
                      headers:
                        request: {set: {x-route: beta}, remove: [x-secret]}
                        response: {add: {x-served-by: portcullis}, remove: [content-type]}
                      route: [{destination: {host: v2.example.test, port: {number: %d}}}]
                    - name: default
                      route: [{destination: {host: v1.example.test, port: {number: %d}}}]
                    """.formatted(v2.port(), v1.port())));
            Cli.Result beta = curl(g, "-i", "-H", "x-beta: yes", "-H", "x-secret: s3cr3t",
                    "http://api.example.test/v2/books?page=2");
            assertThat(beta.stdout()).as(beta.toString()).contains("hello from v2").endsWith("\n200")
                    .containsIgnoringCase("x-served-by: portcullis").doesNotContainIgnoringCase("content-type");
            // The matched prefix replaced by the rewrite, the query kept; the Host the client named kept (as Envoy).
            assertThat(v2.lastUri()).isEqualTo("/books?page=2");
            assertThat(v2.lastHeader("x-route")).isEqualTo("beta");
            assertThat(v2.lastHeader("x-secret")).isNull();
            assertThat(v2.lastHost()).isEqualTo("api.example.test");
            // The same path without the header falls through to the next route.
            Cli.Result other = curl(g, "http://api.example.test/v2/books");
            assertThat(other.stdout()).as(other.toString()).isEqualTo("hello from v1\n\n200");
            assertThat(v1.lastUri()).isEqualTo("/v2/books");

            EnvoyAccessLine line = g.awaitAccess(l -> l.get("route_name").equals("beta"));
            assertThat(line.fields()).containsEntry("response_code", "200").containsEntry("response_flags", "-")
                    .containsEntry("path", "/v2/books")
                    .containsEntry("upstream_cluster", "outbound|" + v2.port() + "||v2.example.test");
            assertThat(g.awaitAccess(l -> l.get("route_name").equals("default")).get("upstream_cluster"))
                    .isEqualTo("outbound|" + v1.port() + "||v1.example.test");
        }
    }

    @Test
    void aRouteToAnUndeclaredHostIsRefusedAndARequestNoRouteMatchesIsRefused() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("routes.yaml", origins() + virtualService("api", "hosts: [api.example.test]", """
                    - name: sneaky
                      match: [{uri: {exact: /out}}]
                      route: [{destination: {host: undeclared.example.test, port: {number: %d}}}]
                    - name: fine
                      match: [{uri: {exact: /in}}]
                      route: [{destination: {host: v1.example.test, port: {number: %d}}}]
                    """.formatted(v1.port(), v1.port())));
            int before = v1.requestCount();
            Cli.Result out = curl(g, "-i", "http://api.example.test/out");
            assertThat(out.stdout()).as(out.toString()).endsWith("\n403").contains("no_service_entry")
                    .contains("no ServiceEntry allows undeclared.example.test:" + v1.port())
                    .contains("the destination of sneaky");
            Cli.Result none = curl(g, "-i", "http://api.example.test/elsewhere");
            assertThat(none.stdout()).as(none.toString()).endsWith("\n403").contains("no_route")
                    .contains("no http route of VirtualService/default/api matches GET api.example.test/elsewhere");
            assertThat(v1.requestCount()).isEqualTo(before);
            assertThat(g.awaitAccess(l -> l.get("path").equals("/elsewhere")).fields())
                    .containsEntry("response_flags", "NR").containsEntry("route_name", "VirtualService/default/api");
            assertThat(curl(g, "http://api.example.test/in").stdout()).isEqualTo("hello from v1\n\n200");
        }
    }

    @Test
    void weightedDestinationsShareTheRequests() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("routes.yaml", origins() + virtualService("api", "hosts: [api.example.test]", """
                    - route:
                      - {destination: {host: v1.example.test, port: {number: %d}}, weight: 50}
                      - {destination: {host: v2.example.test, port: {number: %d}}, weight: 50}
                    """.formatted(v1.port(), v2.port())));
            int v1Before = v1.requestCount();
            int v2Before = v2.requestCount();
            String[] urls = new String[40];
            java.util.Arrays.fill(urls, "http://api.example.test/");
            Cli.Result r = curl(g, urls);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            int toV1 = v1.requestCount() - v1Before;
            int toV2 = v2.requestCount() - v2Before;
            assertThat(toV1 + toV2).isEqualTo(40);
            // 40 fair coin flips: both sides at least 5 times fails with odds below 1 in 10^6.
            assertThat(toV1).isBetween(5, 35);
            assertThat(toV2).isBetween(5, 35);
        }
    }

    @Test
    void faultAbortAnswersWithoutTheUpstreamAndFaultDelayHoldsTheRequest() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("routes.yaml", origins() + virtualService("api", "hosts: [api.example.test]", """
                    - name: aborted
                      match: [{uri: {prefix: /abort}}]
                      fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                      route: [{destination: {host: v1.example.test, port: {number: %d}}}]
                    - name: delayed
                      fault: {delay: {fixedDelay: 1s, percentage: {value: 100}}}
                      route: [{destination: {host: v1.example.test, port: {number: %d}}}]
                    """.formatted(v1.port(), v1.port())));
            int before = v1.requestCount();
            // Two aborts on one keep-alive connection: the answer is the gateway's own, the connection survives.
            Cli.Result abort = curl(g, "-v", "http://api.example.test/abort", "http://api.example.test/abort");
            assertThat(abort.stdout()).as(abort.toString()).isEqualTo("fault filter abort\n418fault filter abort\n418");
            assertThat(abort.stderr()).contains("Re-using existing connection");
            assertThat(v1.requestCount()).isEqualTo(before);
            assertThat(g.awaitAccess(l -> l.get("route_name").equals("aborted")).fields())
                    .containsEntry("response_code", "418").containsEntry("response_flags", "FI");
            // The request metric carries the flag too, as Istio's response_flags label does.
            assertThat(g.scrape().sum("istio_requests_total", "response_code", "418", "response_flags", "FI")).isEqualTo(2);

            Cli.Result delayed = Cli.run(CURL, "curl", "-sS", "--max-time", "20", "-x", g.proxyUrl(),
                    "-w", "\\n%{http_code}\\n%{time_total}", "http://api.example.test/slow");
            assertThat(delayed.stdout()).as(delayed.toString()).startsWith("hello from v1\n\n200");
            double seconds = Double.parseDouble(delayed.stdout().substring(delayed.stdout().lastIndexOf('\n') + 1));
            assertThat(seconds).isGreaterThanOrEqualTo(1.0);
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("route_name").equals("delayed"));
            assertThat(line.fields()).containsEntry("response_code", "200").containsEntry("response_flags", "DI");
            assertThat(line.number("duration")).isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void aRouteTimeoutAnswers504WithUT() throws Exception {
        try (RawHttpOrigin silent = new RawHttpOrigin((head, in, out) -> drain(in));
             RunningGateway g = gateway()) {
            g.apply("routes.yaml", entry("flaky", "flaky.example.test", silent.port())
                    + virtualService("api", "hosts: [api.example.test]", """
                    - name: bounded
                      timeout: 1s
                      route: [{destination: {host: flaky.example.test, port: {number: %d}}}]
                    """.formatted(silent.port())));
            Cli.Result r = curl(g, "http://api.example.test/");
            assertThat(r.stdout()).as(r.toString()).endsWith("\n504").contains("upstream_timeout")
                    .contains("route's timeout of 1000 ms");
            assertThat(g.awaitAccess(l -> l.get("route_name").equals("bounded")).fields())
                    .containsEntry("response_code", "504").containsEntry("response_flags", "UT");
        }
    }

    @Test
    void retriesTryAgainOn5xxAndFlagURXWhenTheyRunOut() throws Exception {
        AtomicInteger served = new AtomicInteger();
        // Fails twice, then answers: three tries for one request.
        try (RawHttpOrigin flaky = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                     served.incrementAndGet() % 3 != 0
                             ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"
                             : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
             RunningGateway g = gateway()) {
            g.apply("routes.yaml", entry("flaky", "flaky.example.test", flaky.port())
                    + virtualService("api", "hosts: [api.example.test]", """
                    - name: patient
                      match: [{uri: {prefix: /patient}}]
                      retries: {attempts: 3, retryOn: 5xx}
                      route: [{destination: {host: flaky.example.test, port: {number: %d}}}]
                    - name: impatient
                      retries: {attempts: 1, retryOn: gateway-error}
                      route: [{destination: {host: flaky.example.test, port: {number: %d}}}]
                    """.formatted(flaky.port(), flaky.port())));
            Cli.Result r = curl(g, "http://api.example.test/patient");
            assertThat(r.stdout()).as(r.toString()).isEqualTo("ok\n200");
            assertThat(flaky.heads()).hasSize(3);
            assertThat(g.awaitAccess(l -> l.get("route_name").equals("patient")).fields())
                    .containsEntry("response_code", "200").containsEntry("response_flags", "-");

            // Two tries, both 503: the last answer goes to the client, flagged URX.
            Cli.Result out = curl(g, "http://api.example.test/impatient");
            assertThat(out.stdout()).as(out.toString()).isEqualTo("busy\n503");
            assertThat(flaky.heads()).hasSize(5);
            assertThat(g.awaitAccess(l -> l.get("route_name").equals("impatient")).fields())
                    .containsEntry("response_code", "503").containsEntry("response_flags", "URX");
        }
    }

    @Test
    void redirectAndDirectResponseAreAnsweredByTheGateway() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("routes.yaml", virtualService("api", "hosts: [api.example.test]", """
                    - name: moved
                      match: [{uri: {exact: /old}}]
                      redirect: {uri: /new, authority: v1.example.test, redirectCode: 308}
                    - name: maintenance
                      directResponse: {status: 503, body: {string: "down for maintenance"}}
                    """));
            Cli.Result moved = curl(g, "-i", "http://api.example.test/old");
            assertThat(moved.stdout()).as(moved.toString()).endsWith("\n308")
                    .containsIgnoringCase("location: http://v1.example.test/new");
            Cli.Result down = curl(g, "http://api.example.test/anything");
            assertThat(down.stdout()).as(down.toString()).isEqualTo("down for maintenance\n503");
            assertThat(g.awaitAccess(l -> l.get("route_name").equals("maintenance")).fields())
                    .containsEntry("response_code", "503").containsEntry("upstream_host", "-");
        }
    }

    @Test
    void authorizationPoliciesComeBeforeARoutesOwnAnswer() throws Exception {
        try (RunningGateway g = gateway()) {
            // As Envoy's RBAC filter runs before the router: a denied request gets 403, not the route's answer.
            g.apply("routes.yaml", virtualService("api", "hosts: [api.example.test]", """
                    - name: maintenance
                      directResponse: {status: 503, body: {string: "down for maintenance"}}
                    """) + """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: no-admin, namespace: istio-system}
                    spec:
                      action: DENY
                      rules: [{to: [{operation: {paths: ["/admin*"]}}]}]
                    """);
            Cli.Result denied = curl(g, "http://api.example.test/admin/users");
            assertThat(denied.stdout()).as(denied.toString()).endsWith("\n403")
                    .contains("AuthorizationPolicy/istio-system/no-admin");
            Cli.Result down = curl(g, "http://api.example.test/anything");
            assertThat(down.stdout()).as(down.toString()).isEqualTo("down for maintenance\n503");
        }
    }

    @Test
    void aPlainHttpGatewayServerServesTheRoutesBoundToItsGateway() throws Exception {
        try (RunningGateway g = gateway()) {
            int port = g.applyOnFreePort("routes.yaml", p -> origins() + """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: http, protocol: HTTP}
                        hosts: [api.example.test]
                    ---
                    """.formatted(p) + virtualService("api", "hosts: [api.example.test]\ngateways: [istio-egressgateway]", """
                    - name: gw-beta
                      match: [{uri: {prefix: /beta/}, gateways: [istio-egressgateway]}]
                      rewrite: {uri: /, authority: v2.example.test}
                      route: [{destination: {host: v2.example.test, port: {number: %d}}}]
                    - name: gw-default
                      route: [{destination: {host: v1.example.test, port: {number: %d}}}]
                    """.formatted(v2.port(), v1.port())));
            Cli.Result beta = Cli.run(CURL, "curl", "-sS", "--max-time", "20", "-w", "\\n%{http_code}",
                    "-H", "Host: api.example.test", "http://127.0.0.1:" + port + "/beta/x");
            assertThat(beta.stdout()).as(beta.toString()).isEqualTo("hello from v2\n\n200");
            assertThat(v2.lastUri()).isEqualTo("/x");
            assertThat(v2.lastHost()).isEqualTo("v2.example.test");
            Cli.Result plain = Cli.run(CURL, "curl", "-sS", "--max-time", "20", "-w", "\\n%{http_code}",
                    "-H", "Host: api.example.test", "http://127.0.0.1:" + port + "/x");
            assertThat(plain.stdout()).as(plain.toString()).isEqualTo("hello from v1\n\n200");
            assertThat(g.awaitAccess(l -> l.listenerPort() == port && l.get("route_name").equals("gw-beta")).fields())
                    .containsEntry("upstream_cluster", "outbound|" + v2.port() + "||v2.example.test");
            // The mesh (the explicit proxy) does not get the Gateway's routes: nothing declares api.example.test.
            Cli.Result viaProxy = curl(g, "http://api.example.test/beta/x");
            assertThat(viaProxy.stdout()).as(viaProxy.toString()).endsWith("\n403").contains("no_service_entry");
        }
    }

    @Test
    void httpInsideACONNECTTunnelFollowsTheRoutesThatKeepItsDestination() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("routes.yaml", origins() + virtualService("v1", "hosts: [v1.example.test]", """
                    - name: tagged
                      match: [{uri: {prefix: /tagged}}]
                      headers: {request: {set: {x-tunnel: "yes"}}}
                      route: [{destination: {host: v1.example.test}}]
                    - name: teapot
                      match: [{uri: {prefix: /teapot}}]
                      fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                      route: [{destination: {host: v1.example.test}}]
                    - name: elsewhere
                      route: [{destination: {host: v2.example.test, port: {number: %d}}}]
                    """.formatted(v2.port())));
            String base = "http://v1.example.test:" + v1.port();
            // curl -p: CONNECT v1.example.test:PORT, then plain HTTP inside the tunnel.
            Cli.Result tagged = curl(g, "-p", base + "/tagged");
            assertThat(tagged.stdout()).as(tagged.toString()).isEqualTo("hello from v1\n\n200");
            assertThat(v1.lastHeader("x-tunnel")).isEqualTo("yes");
            Cli.Result teapot = curl(g, "-p", base + "/teapot");
            assertThat(teapot.stdout()).as(teapot.toString()).isEqualTo("fault filter abort\n418");
            // A route to another host cannot be followed over a tunnel to this one: refused, saying why.
            int before = v2.requestCount();
            Cli.Result elsewhere = curl(g, "-p", base + "/other");
            assertThat(elsewhere.stdout()).as(elsewhere.toString()).endsWith("\n403").contains("no_route")
                    .contains("elsewhere sends this request to v2.example.test:" + v2.port());
            assertThat(v2.requestCount()).isEqualTo(before);
        }
    }

    private static void drain(InputStream in) throws java.io.IOException {
        byte[] buffer = new byte[1024];
        while (in.read(buffer) >= 0) {
            // Never answers: reads until the gateway gives up and closes.
        }
    }
}
