package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.model.VirtualService.Destination;
import io.portcullis.model.VirtualService.L4Match;
import io.portcullis.model.VirtualService.RouteDestination;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class VirtualServiceMapperTest {

    static String vs(String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: route
                spec:
                """ + spec.indent(2);
    }

    @Test
    void mapsTlsAndTcpRoutes() {
        VirtualService v = single(vs("""
                hosts: [Mongo.Example.Test, "*.example.org"]
                gateways: [mesh, istio-egressgateway, istio-system/other]
                exportTo: ["*"]
                tls:
                - match:
                  - gateways: [mesh]
                    port: 27017
                    sniHosts: [mongo.example.test, api.example.org]
                    destinationSubnets: [10.0.0.0/8]
                    sourceNamespace: apps
                  route:
                  - destination:
                      host: istio-egressgateway.istio-system.svc.cluster.local
                      subset: mongo
                      port: {number: 443}
                tcp:
                - match:
                  - gateways: [istio-egressgateway]
                    port: 443
                  route:
                  - destination: {host: mongo.example.test, port: {number: 27017}}
                    weight: 80
                  - destination: {host: api.example.org}
                    weight: 20
                - route:
                  - destination: {host: mongo.example.test}
                """), VirtualService.class);
        assertThat(v.hosts()).containsExactly("mongo.example.test", "*.example.org");
        assertThat(v.gateways()).containsExactly("mesh", "istio-egressgateway", "istio-system/other");
        assertThat(v.exportTo()).containsExactly("*");
        assertThat(v.tls()).hasSize(1);
        L4Match m = v.tls().get(0).match().get(0);
        assertThat(m).isEqualTo(new L4Match(List.of("mongo.example.test", "api.example.org"),
                List.of(Cidr.parse("10.0.0.0/8")), 27017, List.of("mesh"), "apps"));
        assertThat(v.tls().get(0).route()).containsExactly(new RouteDestination(
                new Destination("istio-egressgateway.istio-system.svc.cluster.local", "mongo", 443), 0));
        assertThat(v.tcp()).hasSize(2);
        assertThat(v.tcp().get(0).match().get(0).sniHosts()).isEmpty();
        assertThat(v.tcp().get(0).route()).extracting(RouteDestination::weight).containsExactly(80, 20);
        assertThat(v.tcp().get(1).match()).isEmpty();
        assertThat(v.tcp().get(1).route().get(0).destination()).isEqualTo(new Destination("mongo.example.test", null, 0));
    }

    @Test
    void snakeCaseSpellingsAreIstiosToo() {
        VirtualService v = single(vs("""
                hosts: [www.googleapis.com]
                export_to: ["."]
                tls:
                - match:
                  - sni_hosts: [www.googleapis.com]
                    destination_subnets: [192.0.2.0/24]
                    source_namespace: apps
                  route:
                  - destination: {host: www.googleapis.com}
                """), VirtualService.class);
        assertThat(v.exportTo()).containsExactly(".");
        assertThat(v.tls().get(0).match().get(0).sniHosts()).containsExactly("www.googleapis.com");
        assertThat(v.tls().get(0).match().get(0).destinationSubnets()).containsExactly(Cidr.parse("192.0.2.0/24"));
        assertThat(v.tls().get(0).match().get(0).sourceNamespace()).isEqualTo("apps");
    }

    @Test
    void httpRoutesAreMappedWithTheirMatchesAndActions() {
        VirtualService v = single(vs("""
                hosts: [api.example.com]
                http:
                - name: v2
                  match:
                  - name: beta
                    uri: {prefix: /v2/}
                    headers: {X-Beta: {exact: "yes"}}
                    withoutHeaders: {x-old: {}}
                    method: {regex: "GET|HEAD"}
                    port: 80
                  rewrite: {uri: /, authority: v2.example.com}
                  timeout: 2s
                  retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,connect-failure"}
                  headers:
                    request: {set: {X-Env: prod}, add: {X-Via: portcullis}, remove: [X-Secret]}
                    response: {remove: [Server]}
                  fault:
                    delay: {fixedDelay: 1s, percentage: {value: 50}}
                    abort: {httpStatus: 503, percent: 10}
                  route:
                  - destination: {host: v2.example.com, port: {number: 8080}}
                    weight: 90
                  - destination: {host: v1.example.com, subset: old}
                    weight: 10
                - route:
                  - destination: {host: api.example.com}
                - redirect: {uri: /moved, redirectCode: 308}
                """), VirtualService.class);
        assertThat(v.http()).hasSize(3);
        HttpRoute r = v.http().get(0);
        assertThat(r.name()).isEqualTo("v2");
        HttpRoute.HttpMatch m = r.match().get(0);
        assertThat(m.uri()).contains(new HttpRoute.StringMatch(HttpRoute.MatchKind.PREFIX, "/v2/"));
        assertThat(m.headers()).containsEntry("x-beta", new HttpRoute.StringMatch(HttpRoute.MatchKind.EXACT, "yes"));
        assertThat(m.withoutHeaders()).containsKey("x-old");
        assertThat(m.method()).contains(new HttpRoute.StringMatch(HttpRoute.MatchKind.REGEX, "GET|HEAD"));
        assertThat(m.port()).isEqualTo(80);
        assertThat(r.rewrite()).contains(new HttpRoute.Rewrite("/", "v2.example.com"));
        assertThat(r.timeout()).contains(java.time.Duration.ofSeconds(2));
        assertThat(r.retries().attempts()).isEqualTo(3);
        assertThat(r.retries().perTryTimeout()).contains(java.time.Duration.ofMillis(500));
        assertThat(r.retries().retryOn()).containsExactlyInAnyOrder("5xx", "connect-failure");
        assertThat(r.requestHeaders().set()).containsEntry("x-env", "prod");
        assertThat(r.requestHeaders().add()).containsEntry("x-via", "portcullis");
        assertThat(r.requestHeaders().remove()).containsExactly("x-secret");
        assertThat(r.responseHeaders().remove()).containsExactly("server");
        assertThat(r.fault().orElseThrow().delay().orElseThrow().percent()).isEqualTo(50.0);
        assertThat(r.fault().orElseThrow().abort()).contains(new HttpRoute.Abort(503, 10));
        assertThat(r.route()).extracting(HttpRoute.HttpDestination::weight).containsExactly(90, 10);
        assertThat(r.route().get(0).destination()).isEqualTo(new Destination("v2.example.com", null, 8080));
        assertThat(r.route().get(1).destination()).isEqualTo(new Destination("v1.example.com", "old", 0));
        // Without retries, Istio's default policy; without a timeout, none.
        assertThat(v.http().get(1).retries()).isEqualTo(HttpRoute.Retries.ISTIO_DEFAULT);
        assertThat(v.http().get(1).timeout()).isEmpty();
        assertThat(v.http().get(2).redirect()).contains(new HttpRoute.Redirect("/moved", "", "", 0, 308));
    }

    @Test
    void httpFieldsNotActedOnAreWarnings() {
        String yaml = vs("""
                hosts: [api.example.com]
                http:
                - match: [{sourceLabels: {app: a}}]
                  mirror: {host: copy.example.com}
                  corsPolicy: {allowOrigins: [{exact: "https://a.example"}]}
                  route: [{destination: {host: api.example.com}}]
                """);
        warning(yaml, "spec.http[0].mirror", "not acted on");
        warning(yaml, "spec.http[0].corsPolicy", "not acted on");
        warning(yaml, "spec.http[0].match[0].sourceLabels", "not acted on");
    }

    @Test
    void sourceLabelsAndSourceSubnetAreWarnings() {
        String yaml = vs("""
                hosts: [api.example.com]
                tls:
                - match: [{sniHosts: [api.example.com], sourceLabels: {app: sleep}}]
                  route: [{destination: {host: api.example.com}}]
                tcp:
                - match: [{port: 5432, sourceSubnet: 10.0.0.0/8}]
                  route: [{destination: {host: api.example.com}}]
                """);
        warning(yaml, "spec.tls[0].match[0].sourceLabels", "not acted on");
        warning(yaml, "spec.tcp[0].match[0].sourceSubnet", "not acted on");
    }

    @Test
    void legacyGatewayNameIsAWarning() {
        warning(vs("""
                hosts: [api.example.com]
                gateways: [istio-egressgateway.istio-system.svc.cluster.local]
                tcp: [{route: [{destination: {host: api.example.com}}]}]
                """), "spec.gateways[0]", "prefer namespace/name: \"istio-system/istio-egressgateway\"");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("hosts required", """
                        tcp: [{route: [{destination: {host: api.example.com}}]}]
                        """, "spec.hosts", "required"),
                arguments("some routes required", """
                        hosts: [api.example.com]
                        """, "spec", "at least one of tls, tcp or http"),
                arguments("tls match required", """
                        hosts: [api.example.com]
                        tls: [{route: [{destination: {host: api.example.com}}]}]
                        """, "spec.tls[0].match", "required"),
                arguments("sniHosts required", """
                        hosts: [api.example.com]
                        tls:
                        - match: [{port: 443}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tls[0].match[0].sniHosts", "required"),
                arguments("SNI host within the VirtualService hosts", """
                        hosts: ["*.example.com"]
                        tls:
                        - match: [{sni_hosts: [api.example.com, api.example.org]}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tls[0].match[0].sni_hosts[1]", "is not covered by any of the VirtualService's hosts"),
                arguments("SNI host is a name", """
                        hosts: ["*.example.com"]
                        tls:
                        - match: [{sniHosts: ["a b"]}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tls[0].match[0].sniHosts[0]", "is not a valid host name"),
                arguments("no sniHosts in a tcp match", """
                        hosts: [api.example.com]
                        tcp:
                        - match: [{sniHosts: [api.example.com]}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tcp[0].match[0].sniHosts",
                        "unknown field (VirtualService.L4MatchAttributes has no field \"sniHosts\")"),
                arguments("destinationSubnets are CIDRs", """
                        hosts: [api.example.com]
                        tcp:
                        - match: [{destinationSubnets: [10.0.0.0/8, 300.0.0.0/8]}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tcp[0].match[0].destinationSubnets[1]", "is not an IP address or CIDR"),
                arguments("match port in range", """
                        hosts: [api.example.com]
                        tcp:
                        - match: [{port: 65536}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tcp[0].match[0].port", "65536 is out of range (expected: 1-65535)"),
                arguments("gateway reference form", """
                        hosts: [api.example.com]
                        tcp:
                        - match: [{gateways: ["a/b/c"]}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tcp[0].match[0].gateways[0]", "is not a gateway reference"),
                arguments("route required", """
                        hosts: [api.example.com]
                        tcp: [{match: [{port: 5432}]}]
                        """, "spec.tcp[0].route", "required"),
                arguments("destination required", """
                        hosts: [api.example.com]
                        tcp: [{route: [{weight: 100}]}]
                        """, "spec.tcp[0].route[0].destination", "required"),
                arguments("destination host required", """
                        hosts: [api.example.com]
                        tcp: [{route: [{destination: {subset: v1}}]}]
                        """, "spec.tcp[0].route[0].destination.host", "required"),
                arguments("destination host is not *", """
                        hosts: [api.example.com]
                        tcp: [{route: [{destination: {host: "*"}}]}]
                        """, "spec.tcp[0].route[0].destination.host", "\"*\" is not allowed"),
                arguments("destination subset is a label", """
                        hosts: [api.example.com]
                        tcp: [{route: [{destination: {host: api.example.com, subset: V_1}}]}]
                        """, "spec.tcp[0].route[0].destination.subset", "not a valid subset name"),
                arguments("destination port number required", """
                        hosts: [api.example.com]
                        tcp: [{route: [{destination: {host: api.example.com, port: {}}}]}]
                        """, "spec.tcp[0].route[0].destination.port.number", "required"),
                arguments("destination port is a PortSelector", """
                        hosts: [api.example.com]
                        tcp: [{route: [{destination: {host: api.example.com, port: 443}}]}]
                        """, "spec.tcp[0].route[0].destination.port",
                        "expected an object (VirtualService.PortSelector), got number 443"),
                arguments("weight 0-100", """
                        hosts: [api.example.com]
                        tcp: [{route: [{destination: {host: api.example.com}, weight: 101}]}]
                        """, "spec.tcp[0].route[0].weight", "101 is out of range (expected: 0-100)"),
                arguments("weights of several destinations add up to 100", """
                        hosts: [api.example.com]
                        tls:
                        - match: [{sniHosts: [api.example.com]}]
                          route:
                          - {destination: {host: a.example.com}, weight: 50}
                          - {destination: {host: b.example.com}, weight: 40}
                        """, "spec.tls[0].route", "must add up to 100 (they add up to 90)"),
                arguments("both spellings of one field", """
                        hosts: [api.example.com]
                        tls:
                        - match: [{sniHosts: [api.example.com], sni_hosts: [api.example.com]}]
                          route: [{destination: {host: api.example.com}}]
                        """, "spec.tls[0].match[0].sniHosts", "both \"sniHosts\" and \"sni_hosts\" are set"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refuses(String rule, String spec, String field, String fragment) {
        onlyError(vs(spec), field, fragment);
    }

    @Test
    void misspelledFieldIsUnknownWithAHint() {
        List<Problem> errors = Fixtures.errors(vs("""
                hosts: [api.example.com]
                tls:
                - match: [{SniHosts: [api.example.com]}]
                  route: [{destination: {host: api.example.com}}]
                """));
        assertThat(errors).extracting(Problem::field)
                .containsExactlyInAnyOrder("spec.tls[0].match[0].SniHosts", "spec.tls[0].match[0].sniHosts");
        assertThat(errors).anySatisfy(p -> assertThat(p.reason())
                .isEqualTo("unknown field (VirtualService.TLSMatchAttributes has no field \"SniHosts\"; did you"
                        + " mean \"sniHosts\"?)"));
    }
}
