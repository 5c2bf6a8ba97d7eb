package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.parse;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** EgressRule conversion, the article's EnvoyFilters, and the kinds refused by name. */
class LegacyResourcesTest {

    static String egressRule(String name, String spec) {
        return """
                apiVersion: config.istio.io/v1alpha2
                kind: EgressRule
                metadata:
                  name: %s
                spec:
                """.formatted(name) + spec.indent(2);
    }

    @Test
    void wildcardEgressRuleIsAServiceEntryWithResolutionNone() {
        ServiceEntry se = single(egressRule("googleapis", """
                destination: {service: "*.googleapis.com"}
                ports: [{port: 443, protocol: https}, {port: 80, protocol: HTTP}]
                """), ServiceEntry.class);
        assertThat(se.id()).isEqualTo(new ResourceId("EgressRule", "default", "googleapis"));
        assertThat(se.hosts()).containsExactly("*.googleapis.com");
        assertThat(se.addresses()).isEmpty();
        assertThat(se.resolution()).isEqualTo(Resolution.NONE);
        assertThat(se.location()).isEqualTo(Location.MESH_EXTERNAL);
        assertThat(se.ports()).containsExactly(new ServicePort(443, "https-443", Protocol.HTTPS, 0),
                new ServicePort(80, "http-80", Protocol.HTTP, 0));
    }

    @Test
    void conversionIsAnnouncedAsADeprecationWarning() {
        Problem w = warning(egressRule("googleapis", """
                destination: {service: www.googleapis.com}
                ports: [{port: 443, protocol: https}]
                """), null, "deprecated");
        assertThat(w.resource()).isEqualTo(new ResourceId("EgressRule", "default", "googleapis"));
        assertThat(w.reason()).contains("treated as the ServiceEntry hosts [www.googleapis.com]",
                "ports [https-443 443/HTTPS]", "resolution DNS");
    }

    @Test
    void exactNameIsResolvedByDns() {
        ServiceEntry se = single(egressRule("books", """
                destination: {service: WWW.GoogleApis.com}
                ports: [{port: 443, protocol: https}]
                """), ServiceEntry.class);
        assertThat(se.hosts()).containsExactly("www.googleapis.com");
        assertThat(se.resolution()).isEqualTo(Resolution.DNS);
    }

    @Test
    void cidrBecomesAddressesWithASyntheticHost() {
        ServiceEntry se = single("""
                apiVersion: config.istio.io/v1alpha2
                kind: EgressRule
                metadata: {name: mysql, namespace: db}
                spec:
                  destination:
                    service: 10.1.0.0/16
                  ports:
                  - port: 3306
                    protocol: tcp
                """, ServiceEntry.class);
        assertThat(se.hosts()).containsExactly("egressrule-mysql.db.internal");
        assertThat(se.addresses()).containsExactly(Cidr.parse("10.1.0.0/16"));
        assertThat(se.resolution()).isEqualTo(Resolution.NONE);
        assertThat(se.ports()).containsExactly(new ServicePort(3306, "tcp-3306", Protocol.TCP, 0));
    }

    @Test
    void tcpEgressRuleNeedsAnAddressAsInIstio07() {
        onlyError(egressRule("mysql", """
                destination: {service: mysql.example.com}
                ports: [{port: 3306, protocol: tcp}]
                """), "spec.destination.service", "needs an IP address or CIDR block");
    }

    @Test
    void egressRuleProblems() {
        onlyError(egressRule("x", """
                ports: [{port: 443, protocol: https}]
                """), "spec.destination", "required");
        onlyError(egressRule("x", """
                destination: {service: 10.0.0.0/40}
                ports: [{port: 443, protocol: tcp}]
                """), "spec.destination.service", "is not a CIDR");
        onlyError(egressRule("x", """
                destination: {service: api.example.com, labels: {app: x}}
                ports: [{port: 443, protocol: https}]
                """), "spec.destination.labels", "destination.service only");
        onlyError(egressRule("x", """
                destination: {service: api.example.com}
                ports: [{port: 443, protocol: quic}]
                """), "spec.ports[0].protocol", "\"quic\" is not a supported protocol");
        onlyError(egressRule("x", """
                destination: {service: api.example.com}
                ports: [{protocol: https}]
                """), "spec.ports[0].port", "required");
        onlyError(egressRule("x", """
                destination: {service: api.example.com}
                """), "spec.ports", "required");
        onlyError("""
                apiVersion: config.istio.io/v1beta1
                kind: EgressRule
                metadata: {name: x}
                spec: {}
                """, "kind", "unsupported kind \"EgressRule\" (apiVersion config.istio.io/v1beta1)");
    }

    @Test
    void useEgressProxyIsAcceptedAsMeaningless() {
        warning(egressRule("x", """
                destination: {service: api.example.com}
                ports: [{port: 443, protocol: https}]
                use_egress_proxy: true
                """), "spec.use_egress_proxy", "not acted on");
    }

    static final String ARTICLE_FILTER = """
            apiVersion: networking.istio.io/v1alpha3
            kind: EnvoyFilter
            metadata:
              name: forward-downstream-sni
            spec:
              workloadLabels: {app: sleep}
              filters:
              - listenerMatch:
                  portNumber: 27017
                  listenerType: SIDECAR_OUTBOUND
                filterName: %s
                filterType: NETWORK
                filterConfig: {}
            """;

    @Test
    void articleEnvoyFiltersAreAcceptedWithAWarningAndNoResource() {
        for (String name : List.of("forward_downstream_sni", "sni_verifier")) {
            ParsedFile parsed = parse(ARTICLE_FILTER.formatted(name));
            assertThat(parsed.hasErrors()).as(parsed.problems().toString()).isFalse();
            assertThat(parsed.resources()).isEmpty();
            assertThat(parsed.problems()).singleElement().satisfies(p -> {
                assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
                assertThat(p.resource()).isEqualTo(new ResourceId("EnvoyFilter", "default", "forward-downstream-sni"));
                assertThat(p.field()).isEqualTo("spec.filters[0].filterName");
                assertThat(p.reason()).contains(name + " is built into Portcullis");
            });
        }
    }

    @Test
    void anyOtherEnvoyFilterIsRefusedByName() {
        Problem p = onlyError(ARTICLE_FILTER.formatted("envoy.filters.network.lua"), "spec.filters[0].filterName",
                "EnvoyFilter \"envoy.filters.network.lua\" is not supported");
        assertThat(p.resource().kind()).isEqualTo("EnvoyFilter");
        onlyError("""
                apiVersion: networking.istio.io/v1alpha3
                kind: EnvoyFilter
                metadata: {name: lua}
                spec:
                  configPatches:
                  - applyTo: HTTP_FILTER
                    patch: {operation: INSERT_BEFORE}
                """, "spec.configPatches", "not supported");
    }

    @Test
    void routeRuleIsRefusedByName() {
        Problem p = onlyError("""
                apiVersion: config.istio.io/v1alpha2
                kind: RouteRule
                metadata: {name: reviews}
                spec: {destination: {name: reviews}}
                """, "kind", "RouteRule (config.istio.io/v1alpha2) is not supported");
        assertThat(p.resource()).isEqualTo(new ResourceId("RouteRule", "default", "reviews"));
    }
}
