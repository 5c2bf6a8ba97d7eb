package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.model.Sidecar.OutboundMode;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code Sidecar}: Istio's ValidateSidecar rules, one fixture per rule, and the fields warned about. */
class SidecarMapperTest {

    static String sidecar(String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata:
                  name: default
                  namespace: team-a
                spec:
                """ + spec.indent(2);
    }

    @Test
    void mapsTheEgressImportsAndTheOutboundMode() {
        Sidecar s = single("""
                apiVersion: networking.istio.io/v1beta1
                kind: Sidecar
                metadata: {name: default, namespace: team-a}
                spec:
                  egress:
                  - port: {number: 443, protocol: TLS, name: tls}
                    hosts: [istio-system/*, ./API.example.com]
                  - hosts: ["*/*.googleapis.com", "~team-b/*"]
                  outboundTrafficPolicy: {mode: ALLOW_ANY}
                """, Sidecar.class);
        assertThat(s.id()).hasToString("Sidecar/team-a/default");
        assertThat(s.selectsWorkloads()).isFalse();
        assertThat(s.outboundMode()).contains(OutboundMode.ALLOW_ANY);
        assertThat(s.egress()).hasSize(2);
        assertThat(s.egress().get(0).port()).isEqualTo(OptionalInt.of(443));
        assertThat(s.egress().get(0).hosts()).containsExactly("istio-system/*", "./api.example.com");
        assertThat(s.egress().get(1).port()).isEmpty();
        assertThat(s.egress().get(1).hosts()).containsExactly("*/*.googleapis.com", "~team-b/*");
    }

    @Test
    void anOutboundTrafficPolicyAloneIsASidecar() {
        Sidecar s = single(sidecar("outboundTrafficPolicy: {mode: REGISTRY_ONLY}"), Sidecar.class);
        assertThat(s.egress()).isEmpty();
        assertThat(s.outboundMode()).contains(OutboundMode.REGISTRY_ONLY);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                arguments("{}", "spec", "empty configuration provided"),
                arguments("egress: []", "spec", "empty configuration provided"),
                arguments("egress: [{hosts: [api.example.com]}]", "spec.egress[0].hosts[0]",
                        "host must be of form namespace/dnsName"),
                arguments("egress: [{hosts: [ns/api]}]", "spec.egress[0].hosts[0]", "short names (non FQDN)"),
                arguments("egress: [{hosts: [ns/*api.example.com]}]", "spec.egress[0].hosts[0]", "partial wildcard"),
                arguments("egress: [{hosts: [/api.example.com]}]", "spec.egress[0].hosts[0]", "cannot be empty"),
                arguments("egress: [{hosts: [Bad_NS/api.example.com]}]", "spec.egress[0].hosts[0]",
                        "invalid namespace value"),
                arguments("egress: [{hosts: []}]", "spec.egress[0].hosts", "at least one host"),
                arguments("egress: [{port: {number: 80, protocol: SMTP}, hosts: [a/*]}]", "spec.egress[0].port.protocol",
                        "not a supported protocol"),
                arguments("ingress: [{port: {number: 80}, defaultEndpoint: \"unix:///\"}]",
                        "spec.ingress[0].defaultEndpoint", "not an absolute path to a file"),
                arguments("egress: [{hosts: [a/*]}, {port: {number: 80, protocol: HTTP}, hosts: [b/*]}]", "spec.egress[0]",
                        "should be the last listener"),
                arguments("egress: [{port: {number: 80, protocol: HTTP}, hosts: [a/*]},"
                        + " {port: {number: 80, protocol: HTTP}, hosts: [b/*]}]", "spec.egress[1].port.number",
                        "must be unique"),
                arguments("egress: [{port: {number: 80, protocol: HTTP, targetPort: 8080}, hosts: [a/*]}]",
                        "spec.egress[0].port.targetPort", "no impact on Sidecars"),
                arguments("egress: [{port: {number: 0, protocol: HTTP}, hosts: [a/*]}]", "spec.egress[0].bind",
                        "unix domain socket bind address"),
                arguments("egress: [{port: {number: 80, protocol: HTTP}, bind: not-an-ip, hosts: [a/*]}]",
                        "spec.egress[0].bind", "not a valid IP"),
                arguments("egress: [{port: {number: 80, protocol: HTTP}, captureMode: SOMETIMES, hosts: [a/*]}]",
                        "spec.egress[0].captureMode", "not a valid captureMode"),
                arguments("ingress: [{defaultEndpoint: 127.0.0.1:8080}]", "spec.ingress[0].port", "required"),
                arguments("ingress: [{port: {number: 80, protocol: HTTP}, defaultEndpoint: 10.0.0.1:8080}]",
                        "spec.ingress[0].defaultEndpoint", "must be of form"),
                arguments("outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}", "spec.outboundTrafficPolicy.mode",
                        "only supported in MeshConfig"),
                arguments("outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: proxy.example.com,"
                        + " port: {number: 3128}}}", "spec.outboundTrafficPolicy.egressProxy",
                        "only with ALLOW_ANY"),
                arguments("outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.example.com}}",
                        "spec.outboundTrafficPolicy.egressProxy.port", "must be non-nil"),
                arguments("workloadSelector: {labels: {app: '*'}}\noutboundTrafficPolicy: {mode: ALLOW_ANY}",
                        "spec.workloadSelector.labels.app", "wildcard is not supported"),
                arguments("egress: [{hosts: [a/*], exportTo: [.]}]", "spec.egress[0].exportTo", "unknown field"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusesAsIstioRefuses(String spec, String field, String reason) {
        Problem p = onlyError(sidecar(spec), field, reason);
        assertThat(p.resource()).hasToString("Sidecar/team-a/default");
        assertThat(p.toString()).startsWith("test.yaml: Sidecar/team-a/default " + field + ": ");
    }

    static Stream<Arguments> warned() {
        return Stream.of(
                arguments("workloadSelector: {labels: {app: orders}}\negress: [{hosts: [./*]}]",
                        "spec.workloadSelector", "this Sidecar is not applied"),
                arguments("workloadSelector: {}\negress: [{hosts: [./*]}]", "spec.workloadSelector",
                        "applies to every workload of its namespace"),
                arguments("ingress: [{port: {number: 8080, protocol: HTTP, name: http}, defaultEndpoint: 127.0.0.1:8080}]",
                        "spec.ingress", "outbound traffic only"),
                arguments("egress: [{port: {number: 80, protocol: HTTP}, captureMode: NONE, hosts: [a/*]}]",
                        "spec.egress[0].captureMode", "not acted on"),
                arguments("egress: [{port: {number: 80, protocol: HTTP}, bind: 127.0.0.2, hosts: [a/*]}]",
                        "spec.egress[0].bind", "not acted on"),
                arguments("egress: [{hosts: [a/api.example.com, a/api.example.com]}]", "spec.egress[0].hosts[1]",
                        "duplicated egress host"),
                arguments("egress: [{hosts: [\"*/*\", a/api.example.com]}]", "spec.egress[0].hosts",
                        "`*/*` host select all resources"),
                arguments("inboundConnectionPool: {tcp: {maxConnections: 10}}", "spec.inboundConnectionPool",
                        "outbound traffic only"),
                arguments("outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.example.com,"
                        + " port: {number: 3128}}}", "spec.outboundTrafficPolicy.egressProxy", "not through this proxy"));
    }

    @ParameterizedTest
    @MethodSource("warned")
    void acceptsWithAWarningNamingTheField(String spec, String field, String reason) {
        warning(sidecar(spec), field, reason);
    }

    @Test
    void aWorkloadSelectorWithLabelsMarksTheSidecarAsNotApplied() {
        Sidecar s = single(sidecar("workloadSelector: {labels: {app: orders}}\noutboundTrafficPolicy: {mode: ALLOW_ANY}"),
                Sidecar.class);
        assertThat(s.selectsWorkloads()).isTrue();
    }

    @Test
    void aUnixSocketListenerStaysOnPortZeroSoItImportsNothingElsewhere() {
        Sidecar s = single(sidecar("egress: [{port: {number: 0, protocol: HTTP, name: uds}, bind: unix:///var/run/a.sock,"
                + " hosts: [a/*]}]"), Sidecar.class);
        assertThat(s.egress()).singleElement().satisfies(l -> assertThat(l.port()).isEqualTo(OptionalInt.of(0)));
    }

    @Test
    void isAKindTheCommandLineKnows() {
        assertThat(ResourceKind.fromArgument("sidecars")).contains(ResourceKind.SIDECAR);
        assertThat(ResourceKind.of("networking.istio.io/v1beta1", "Sidecar")).contains(ResourceKind.SIDECAR);
    }
}
