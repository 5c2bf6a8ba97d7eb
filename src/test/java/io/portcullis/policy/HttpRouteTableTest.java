package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.HttpRoute.HttpDestination;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** VirtualService http routes as the policy compiles and matches them: virtual host first, then the first match. */
class HttpRouteTableTest {

    private static EgressPolicy compile(String yaml) {
        LoadResult result = FolderLoader.fromFiles(Map.of("config.yaml", yaml));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static HttpRequestFacts mesh(String host, String method, String target, String... headers) {
        return facts(0, host, 80, method, target, headers);
    }

    private static HttpRequestFacts facts(int gatewayPort, String host, int port, String method, String target,
                                          String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return new HttpRequestFacts(gatewayPort, host, host + ":" + port, port, method, "http", target,
                name -> Optional.ofNullable(h.get(name)));
    }

    private static String name(HttpRouteResult r) {
        return r instanceof HttpRouteResult.Matched m ? m.name() : r.getClass().getSimpleName();
    }

    private static final String ROUTES = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: api}
            spec:
              hosts: [api.example.test]
              http:
              - name: exact
                match: [{uri: {exact: /health}}]
                route: [{destination: {host: api.example.test}}]
              - name: beta
                match:
                - name: by-header
                  headers: {x-beta: {prefix: "y"}}
                - name: by-query
                  queryParams: {beta: {exact: "1"}}
                route: [{destination: {host: beta.example.test}}]
              - name: regex
                match: [{uri: {regex: "/v[0-9]+/.*"}, method: {exact: POST}, withoutHeaders: {x-skip: {}}}]
                route: [{destination: {host: api.example.test}}]
              - name: ci
                match: [{uri: {prefix: /Docs}, ignoreUriCase: true}]
                route: [{destination: {host: api.example.test}}]
              - name: present
                match: [{headers: {x-present: {}}}]
                route: [{destination: {host: api.example.test}}]
              - name: port
                match: [{port: 8080}]
                route: [{destination: {host: api.example.test}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: wide}
            spec:
              hosts: ["*.example.test"]
              http:
              - route: [{destination: {host: wide.example.test}}]
            """;

    @Test
    void theFirstRouteWhoseMatchFitsWinsAndEveryConditionOfAMatchMustHold() {
        HttpRouteTable t = compile(ROUTES).httpRoutes();
        assertThat(name(t.route(mesh("api.example.test", "GET", "/health")))).isEqualTo("exact");
        // Exact means exact: the query is not part of the path, a longer path is not the same.
        assertThat(name(t.route(mesh("api.example.test", "GET", "/health?verbose=1")))).isEqualTo("exact");
        assertThat(name(t.route(mesh("api.example.test", "GET", "/healthz")))).isEqualTo("NoMatch");
        assertThat(name(t.route(mesh("api.example.test", "GET", "/x", "x-beta", "yes")))).isEqualTo("beta.by-header");
        assertThat(name(t.route(mesh("api.example.test", "GET", "/x?a=2&beta=1")))).isEqualTo("beta.by-query");
        assertThat(name(t.route(mesh("api.example.test", "GET", "/x?beta=2")))).isEqualTo("NoMatch");
        assertThat(name(t.route(mesh("api.example.test", "POST", "/v2/items")))).isEqualTo("regex");
        assertThat(name(t.route(mesh("api.example.test", "GET", "/v2/items")))).isEqualTo("NoMatch");
        assertThat(name(t.route(mesh("api.example.test", "POST", "/v2/items", "x-skip", "1")))).isEqualTo("NoMatch");
        // The regex must match the whole path.
        assertThat(name(t.route(mesh("api.example.test", "POST", "/api/v2/items")))).isEqualTo("NoMatch");
        assertThat(name(t.route(mesh("api.example.test", "GET", "/docs/intro")))).isEqualTo("ci");
        assertThat(name(t.route(facts(0, "api.example.test", 8080, "GET", "/anything")))).isEqualTo("port");
        // An empty header match asks for the header's presence only.
        assertThat(name(t.route(mesh("api.example.test", "GET", "/anything", "x-present", "")))).isEqualTo("present");
    }

    @Test
    void theMostSpecificHostChoosesTheVirtualServiceAndOtherHostsAreUnrouted() {
        HttpRouteTable t = compile(ROUTES).httpRoutes();
        // An exact host beats the wildcard even when none of its routes match: Envoy's virtual host, then 404.
        assertThat(t.route(mesh("api.example.test", "GET", "/nothing"))).isInstanceOf(HttpRouteResult.NoMatch.class);
        assertThat(name(t.route(mesh("www.example.test", "GET", "/")))).isEqualTo("VirtualService/default/wide.http[0]");
        assertThat(t.route(mesh("example.org", "GET", "/"))).isInstanceOf(HttpRouteResult.Unrouted.class);
    }

    @Test
    void gatewayRoutesServeOnlyTheGatewaysPortsAndMeshRoutesOnlyTheMesh() {
        HttpRouteTable t = compile("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: 8080, name: http, protocol: HTTP}
                    hosts: [api.example.test]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api}
                spec:
                  hosts: [api.example.test]
                  gateways: [egress, mesh]
                  http:
                  - name: from-mesh
                    match: [{gateways: [mesh]}]
                    route: [{destination: {host: egress.example.test}}]
                  - name: at-gateway
                    match: [{gateways: [egress], port: 8080}]
                    route: [{destination: {host: api.example.test}}]
                """).httpRoutes();
        assertThat(name(t.route(mesh("api.example.test", "GET", "/")))).isEqualTo("from-mesh");
        assertThat(name(t.route(facts(8080, "api.example.test", 8080, "GET", "/")))).isEqualTo("at-gateway");
        assertThat(t.route(facts(9090, "api.example.test", 9090, "GET", "/"))).isInstanceOf(HttpRouteResult.Unrouted.class);
    }

    @Test
    void weightsSplitTrafficRoughlyAsConfigured() {
        HttpRouteTable t = compile("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: split}
                spec:
                  hosts: [api.example.test]
                  http:
                  - route:
                    - {destination: {host: a.example.test}, weight: 80}
                    - {destination: {host: b.example.test}, weight: 20}
                    - {destination: {host: c.example.test}, weight: 0}
                """).httpRoutes();
        HttpRouteResult.Matched m = (HttpRouteResult.Matched) t.route(mesh("api.example.test", "GET", "/"));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(m.pick().map(HttpDestination::destination).orElseThrow().host(), 1, Integer::sum);
        }
        // 10,000 draws: the binomial's standard deviation is 40, so these bounds are 10 sigma wide.
        assertThat(counts.get("a.example.test")).isBetween(7_600, 8_400);
        assertThat(counts.get("b.example.test")).isBetween(1_600, 2_400);
        assertThat(counts).doesNotContainKey("c.example.test");
    }
}
