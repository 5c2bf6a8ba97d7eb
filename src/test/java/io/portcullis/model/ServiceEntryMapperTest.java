package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceEntryMapperTest {

    static String se(String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: ext
                spec:
                """ + spec.indent(2);
    }

    @Test
    void mapsEveryField() {
        ServiceEntry se = single("""
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata:
                  name: mongo
                  namespace: data
                  labels: {app: mongo}
                spec:
                  hosts: [My-Mongo.Example.COM]
                  addresses: [192.0.2.0/24, 198.51.100.7]
                  ports:
                  - {number: 27017, name: mongo, protocol: MONGO, targetPort: 27018}
                  location: MESH_INTERNAL
                  resolution: STATIC
                  endpoints:
                  - address: 192.0.2.10
                    ports: {mongo: 27019}
                    labels: {zone: a}
                  exportTo: [".", other]
                """, ServiceEntry.class);
        assertThat(se.id()).isEqualTo(new ResourceId("ServiceEntry", "data", "mongo"));
        assertThat(se.hosts()).containsExactly("my-mongo.example.com");
        assertThat(se.addresses()).containsExactly(Cidr.parse("192.0.2.0/24"), Cidr.parse("198.51.100.7/32"));
        assertThat(se.ports()).containsExactly(new ServicePort(27017, "mongo", Protocol.MONGO, 27018));
        assertThat(se.location()).isEqualTo(Location.MESH_INTERNAL);
        assertThat(se.resolution()).isEqualTo(Resolution.STATIC);
        assertThat(se.endpoints()).containsExactly(new Endpoint("192.0.2.10", Map.of("mongo", 27019), Map.of("zone", "a")));
        assertThat(se.exportTo()).containsExactly(".", "other");
    }

    @Test
    void defaultsAreIstios() {
        ServiceEntry se = single(se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: https, protocol: TLS}]
                """), ServiceEntry.class);
        assertThat(se.id().namespace()).isEqualTo(ResourceId.DEFAULT_NAMESPACE);
        assertThat(se.resolution()).isEqualTo(Resolution.NONE);
        assertThat(se.location()).isEqualTo(Location.MESH_EXTERNAL);
        assertThat(se.addresses()).isEmpty();
        assertThat(se.endpoints()).isEmpty();
        assertThat(se.ports().get(0).targetPort()).isZero();
    }

    @Test
    void dynamicDnsTakesWildcardsWithTlsOrHttpPorts() {
        ServiceEntry se = single(se("""
                hosts: ["*.example.test"]
                ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}]
                resolution: DYNAMIC_DNS
                """), ServiceEntry.class);
        assertThat(se.resolution()).isEqualTo(Resolution.DYNAMIC_DNS);
    }

    @Test
    void dnsWithNamedEndpointsAndRoundRobinWithOne() {
        single(se("""
                hosts: ["*.example.com"]
                ports: [{number: 443, name: tls, protocol: TLS}]
                resolution: DNS
                endpoints: [{address: lb.example.com}, {address: 192.0.2.1}]
                """), ServiceEntry.class);
        single(se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                resolution: DNS_ROUND_ROBIN
                endpoints: [{address: lb.example.com}]
                """), ServiceEntry.class);
    }

    @Test
    void absentProtocolIsTcpWithAWarning() {
        Problem w = warning(se("""
                hosts: [db.example.com]
                addresses: [192.0.2.1]
                ports: [{number: 5432, name: pg}]
                """), "spec.ports[0].protocol", "treated as TCP");
        assertThat(w.severity()).isEqualTo(Problem.Severity.WARNING);
        ServiceEntry se = (ServiceEntry) Fixtures.parse(se("""
                hosts: [db.example.com]
                addresses: [192.0.2.1]
                ports: [{number: 5432, name: pg}]
                """)).resources().get(0);
        assertThat(se.ports().get(0).protocol()).isEqualTo(Protocol.TCP);
    }

    @Test
    void lowerCaseProtocolIsReadAsIstioDoesWithAWarning() {
        warning(se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: https, protocol: https}]
                """), "spec.ports[0].protocol", "read as HTTPS");
    }

    @Test
    void tcpPortWithoutAddressesUnderNoneWarnsThatItMatchesEveryAddress() {
        warning(se("""
                hosts: [redis.example.com]
                ports: [{number: 6379, name: redis, protocol: REDIS}]
                """), "spec.ports[0]", "matches every destination address on that port");
    }

    @Test
    void fieldsPortcullisDoesNotActOnAreWarnings() {
        String yaml = se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                resolution: DNS
                subjectAltNames: [spiffe://x]
                endpoints:
                - {address: api.example.com, network: n1, locality: us/east, weight: 3, serviceAccount: sa}
                """);
        warning(yaml, "spec.subjectAltNames", "not acted on");
        warning(yaml, "spec.endpoints[0].network", "not acted on");
        warning(yaml, "spec.endpoints[0].locality", "not acted on");
        warning(yaml, "spec.endpoints[0].weight", "not acted on");
        warning(yaml, "spec.endpoints[0].serviceAccount", "not acted on");
        warning(se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                workloadSelector: {labels: {app: x}}
                """), "spec.workloadSelector", "not acted on");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("hosts required", """
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        """, "spec.hosts", "required"),
                arguments("hosts non-empty", """
                        hosts: []
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        """, "spec.hosts", "required"),
                arguments("bare * host", """
                        hosts: ["*"]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        """, "spec.hosts[0]", "\"*\" is not allowed"),
                arguments("* in a later label", """
                        hosts: ["a.*.example.com"]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        """, "spec.hosts[0]", "may only be the whole first label"),
                arguments("bad DNS name", """
                        hosts: [bad_name.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        """, "spec.hosts[0]", "\"bad_name.example.com\" is not a valid host name"),
                arguments("address not a CIDR", """
                        hosts: [db.example.com]
                        addresses: [10.0.0.0/33]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        """, "spec.addresses[0]", "\"10.0.0.0/33\" is not a CIDR (expected: prefix 0-32)"),
                arguments("address not an IP", """
                        hosts: [db.example.com]
                        addresses: [db.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        """, "spec.addresses[0]", "is not an IP address or CIDR"),
                arguments("CIDR range needs NONE or STATIC", """
                        hosts: [db.example.com]
                        addresses: [192.0.2.1, 10.0.0.0/8]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: DNS
                        """, "spec.addresses[1]", "allowed only with resolution NONE or STATIC (resolution is DNS)"),
                arguments("NONE has no endpoints", """
                        hosts: [db.example.com]
                        addresses: [192.0.2.1]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        endpoints: [{address: 192.0.2.1}]
                        """, "spec.endpoints", "must be empty with resolution NONE"),
                arguments("STATIC endpoints are IPs", """
                        hosts: [db.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: STATIC
                        endpoints: [{address: 192.0.2.1}, {address: db1.example.com}]
                        """, "spec.endpoints[1].address", "is not an IP address (resolution STATIC needs IP endpoints"),
                arguments("endpoint address required", """
                        hosts: [db.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: DNS
                        endpoints: [{labels: {a: b}}]
                        """, "spec.endpoints[0].address", "required"),
                arguments("DNS endpoint is a name or an IP", """
                        hosts: [db.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: DNS
                        endpoints: [{address: "not a name"}]
                        """, "spec.endpoints[0].address", "neither an IP address nor a DNS name"),
                arguments("DNS wildcard needs endpoints", """
                        hosts: ["*.example.com"]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolution: DNS
                        """, "spec.hosts[0]", "wildcard host \"*.example.com\" needs endpoints with resolution DNS"),
                arguments("DNS_ROUND_ROBIN has at most one endpoint", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolution: DNS_ROUND_ROBIN
                        endpoints: [{address: a.example.com}, {address: b.example.com}]
                        """, "spec.endpoints", "at most one endpoint with resolution DNS_ROUND_ROBIN (found 2)"),
                arguments("DYNAMIC_DNS hosts are wildcards", """
                        hosts: ["*.example.com", api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolution: DYNAMIC_DNS
                        """, "spec.hosts[1]", "resolution DYNAMIC_DNS takes only *.suffix hosts"),
                arguments("DYNAMIC_DNS has no endpoints", """
                        hosts: ["*.example.com"]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolution: DYNAMIC_DNS
                        endpoints: [{address: 192.0.2.1}]
                        """, "spec.endpoints", "must be empty with resolution DYNAMIC_DNS"),
                arguments("DYNAMIC_DNS has no addresses", """
                        hosts: ["*.example.com"]
                        addresses: [192.0.2.1]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolution: DYNAMIC_DNS
                        """, "spec.addresses", "must be empty with resolution DYNAMIC_DNS"),
                arguments("DYNAMIC_DNS needs a name on the wire", """
                        hosts: ["*.example.com"]
                        ports: [{number: 443, name: tls, protocol: TLS}, {number: 5432, name: pg, protocol: TCP}]
                        resolution: DYNAMIC_DNS
                        """, "spec.ports[1]", "resolution DYNAMIC_DNS needs HTTP or TLS ports"),
                arguments("several hosts with a TCP port need NONE", """
                        hosts: [a.example.com, b.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: DNS
                        """, "spec.hosts", "need resolution NONE"),
                arguments("port number required", """
                        hosts: [api.example.com]
                        ports: [{name: tls, protocol: TLS}]
                        """, "spec.ports[0].number", "required"),
                arguments("port number in range", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}, {number: 70000, name: big, protocol: TLS}]
                        """, "spec.ports[1].number", "70000 is out of range (expected: 1-65535)"),
                arguments("port number is an integer", """
                        hosts: [api.example.com]
                        ports: [{number: "443", name: tls, protocol: TLS}]
                        """, "spec.ports[0].number", "expected an integer, got string \"443\""),
                arguments("port name required", """
                        hosts: [api.example.com]
                        ports: [{number: 443, protocol: TLS}]
                        """, "spec.ports[0].name", "required"),
                arguments("port name is a DNS label", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: TLS_Port, protocol: TLS}]
                        """, "spec.ports[0].name", "is not a valid port name"),
                arguments("port names unique", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}, {number: 8443, name: tls, protocol: TLS}]
                        """, "spec.ports[1].name", "port name \"tls\" is already used"),
                arguments("port numbers unique", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}, {number: 443, name: https, protocol: HTTPS}]
                        """, "spec.ports[1].number", "port 443 is already declared"),
                arguments("targetPort in range", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS, targetPort: 0}]
                        """, "spec.ports[0].targetPort", "0 is out of range (expected: 1-65535)"),
                arguments("unknown protocol lists the allowed ones", """
                        hosts: [api.example.com]
                        ports: [{number: 25, name: smtp, protocol: SMTP}]
                        """, "spec.ports[0].protocol",
                        "\"SMTP\" is not a supported protocol (expected one of: HTTP, HTTPS, HTTP2, GRPC, TLS, TCP,"
                                + " MONGO, MYSQL, REDIS)"),
                arguments("resolution is case-sensitive", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolution: dns
                        """, "spec.resolution", "\"dns\" is not a valid resolution (expected one of: NONE, STATIC,"),
                arguments("location is an enum", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        location: OUTSIDE
                        """, "spec.location", "expected one of: MESH_EXTERNAL, MESH_INTERNAL"),
                arguments("endpoint port names exist", """
                        hosts: [db.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: STATIC
                        endpoints: [{address: 192.0.2.1, ports: {postgres: 6432}}]
                        """, "spec.endpoints[0].ports.postgres", "no port named \"postgres\" in spec.ports"),
                arguments("endpoint ports in range", """
                        hosts: [db.example.com]
                        ports: [{number: 5432, name: pg, protocol: TCP}]
                        resolution: STATIC
                        endpoints: [{address: 192.0.2.1, ports: {pg: 0}}]
                        """, "spec.endpoints[0].ports.pg", "0 is out of range (expected: 1-65535)"),
                arguments("exportTo values", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        exportTo: [Bad_NS]
                        """, "spec.exportTo[0]", "is not a namespace name"),
                arguments("exportTo * stands alone", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        exportTo: ["*", other]
                        """, "spec.exportTo[0]", "cannot be combined"),
                arguments("unknown field", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS}]
                        resolutionMode: DNS
                        """, "spec.resolutionMode", "unknown field (ServiceEntry has no field \"resolutionMode\")"),
                arguments("unknown port field", """
                        hosts: [api.example.com]
                        ports: [{number: 443, name: tls, protocol: TLS, tls: true}]
                        """, "spec.ports[0].tls", "ServiceEntry.ServicePort has no field \"tls\""));
    }

    /**
     * Istio accepts these, so Portcullis does too; it cannot act on them, so the entry allows nothing through
     * them, and a warning says so. (These were refused before Portcullis followed Istio's validation.)
     */
    @Test
    void acceptsWhatIstioAcceptsButAllowsNothingThroughIt() {
        String partial = se("""
                hosts: [ok.example.com, "*foo.example.com"]
                ports: [{number: 443, name: tls, protocol: TLS}]
                """);
        warning(partial, "spec.hosts[1]", "partial wildcard; accepted but not acted on");
        assertThat(single(partial, ServiceEntry.class).hosts()).containsExactly("ok.example.com");

        String staticWithoutEndpoints = se("""
                hosts: [db.example.com]
                addresses: [192.0.2.1]
                ports: [{number: 5432, name: pg, protocol: TCP}]
                resolution: STATIC
                """);
        warning(staticWithoutEndpoints, "spec.endpoints", "allows no destination");
        assertThat(single(staticWithoutEndpoints, ServiceEntry.class).ports()).isEmpty();

        String unixOnly = se("""
                hosts: [db.example.com]
                ports: [{number: 5432, name: pg, protocol: TCP}]
                resolution: STATIC
                endpoints: [{address: "unix:///var/run/pg.sock"}]
                """);
        warning(unixOnly, "spec.endpoints[0].address", "unix domain socket; accepted but not acted on");
        assertThat(single(unixOnly, ServiceEntry.class).ports()).isEmpty();

        String unixWithDns = se("""
                hosts: [db.example.com]
                ports: [{number: 5432, name: pg, protocol: TCP}]
                resolution: DNS
                endpoints: [{address: "unix:///var/run/pg.sock"}]
                """);
        warning(unixWithDns, "spec.endpoints", "allows no destination");
        assertThat(single(unixWithDns, ServiceEntry.class).ports()).as("never the host's public address instead")
                .isEmpty();

        String noPorts = se("""
                hosts: [api.example.com]
                """);
        warning(noPorts, "spec.ports", "allows nothing");
        assertThat(single(noPorts, ServiceEntry.class).ports()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refuses(String rule, String spec, String field, String fragment) {
        onlyError(se(spec), field, fragment);
    }

    @Test
    void errorNamesFileResourceAndField() {
        Problem p = onlyError(se("""
                hosts: [db.example.com]
                addresses: [10.0.0.0/33]
                ports: [{number: 27017, name: mongo, protocol: MONGO}]
                """), "spec.addresses[0]", "is not a CIDR");
        assertThat(p.resource()).isEqualTo(new ResourceId("ServiceEntry", "default", "ext"));
        assertThat(p).hasToString("test.yaml: ServiceEntry/default/ext spec.addresses[0]: \"10.0.0.0/33\" is not a CIDR"
                + " (expected: prefix 0-32)");
    }

    @Test
    void everyBadValueIsReportedNotOnlyTheFirst() {
        List<Problem> errors = Fixtures.errors(se("""
                hosts: ["*"]
                addresses: [nope]
                ports: [{number: 0, name: X}]
                """));
        assertThat(errors).extracting(Problem::field)
                .containsExactlyInAnyOrder("spec.hosts[0]", "spec.addresses[0]", "spec.ports[0].number",
                        "spec.ports[0].name");
    }
}
