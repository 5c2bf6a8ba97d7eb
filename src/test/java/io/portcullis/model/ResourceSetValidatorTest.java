package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSetValidatorTest {

    /** A set from fixtures keyed by file name, in the order given; each fixture must parse cleanly. */
    static ResourceSet set(String... fileAndYaml) {
        List<Resource> resources = new ArrayList<>();
        Map<ResourceId, String> origins = new LinkedHashMap<>();
        for (int i = 0; i < fileAndYaml.length; i += 2) {
            ParsedFile parsed = ResourceParser.parse(fileAndYaml[i], fileAndYaml[i + 1]);
            assertThat(parsed.hasErrors()).as(parsed.problems().toString()).isFalse();
            for (Resource r : parsed.resources()) {
                resources.add(r);
                origins.put(r.id(), fileAndYaml[i]);
            }
        }
        return ResourceSet.of(resources, origins);
    }

    static String tcpEntry(String name, int port, String protocol, String addresses) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.example.com]
                  ports: [{number: 443, name: tls, protocol: TLS}, {number: %d, name: p, protocol: %s}]
                  resolution: DNS
                  addresses: %s
                """.formatted(name, name, port, protocol, addresses);
    }

    @Test
    void tcpEntriesWithoutAddressesOnOnePortAreAmbiguous() {
        List<Problem> problems = ResourceSetValidator.validate(set(
                "a.yaml", tcpEntry("a", 27017, "MONGO", "[]"),
                "b.yaml", tcpEntry("b", 27017, "TCP", "[]")));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.isError()).isTrue();
            assertThat(p.toString()).isEqualTo("b.yaml: ServiceEntry/default/b spec.ports[1]: port 27017 (TCP) is also"
                    + " declared by ServiceEntry/default/a without addresses; TCP entries without addresses on the"
                    + " same port are ambiguous, add addresses to one of them");
        });
    }

    @Test
    void addressesOrTlsLiftTheAmbiguity() {
        assertThat(ResourceSetValidator.validate(set(
                "a.yaml", tcpEntry("a", 27017, "TCP", "[]"),
                "b.yaml", tcpEntry("b", 27017, "TCP", "[192.0.2.1]"),
                "c.yaml", tcpEntry("c", 27017, "TLS", "[]"),
                "d.yaml", tcpEntry("d", 5432, "TCP", "[]")))).isEmpty();
    }

    static String gateway(String name, int port, String protocol) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: %s}
                spec:
                  servers:
                  - port: {number: %d, name: p, protocol: %s}
                    hosts: [api.example.com]
                """.formatted(name, port, protocol);
    }

    @Test
    void gatewayServersOnOnePortShareAProtocol() {
        List<Problem> problems = ResourceSetValidator.validate(set(
                "a.yaml", gateway("a", 6379, "TCP"),
                "b.yaml", gateway("b", 6379, "REDIS"),
                "c.yaml", gateway("c", 6379, "TCP")));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.isError()).isTrue();
            assertThat(p.file()).isEqualTo("b.yaml");
            assertThat(p.field()).isEqualTo("spec.servers[0].port");
            assertThat(p.reason()).isEqualTo("port 6379 is REDIS here but TCP in Gateway/default/a spec.servers[0];"
                    + " servers on one port must use one protocol");
        });
    }

    static String virtualService(String gateways, String destination) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: vs, namespace: apps}
                spec:
                  hosts: [api.example.com]
                  gateways: %s
                  tcp:
                  - match: [{gateways: [mesh], port: 5432}]
                    route: [{destination: {host: %s}}]
                """.formatted(gateways, destination);
    }

    @Test
    void aGatewayThatDoesNotExistIsAWarning() {
        List<Problem> problems = ResourceSetValidator.validate(set(
                "gw.yaml", gateway("egress", 443, "TLS").replace("metadata: {name: egress}",
                        "metadata: {name: egress, namespace: apps}").replace("protocol: TLS}",
                        "protocol: TLS}\n    tls: {mode: PASSTHROUGH}"),
                "vs.yaml", virtualService("[mesh, egress, apps/egress, istio-system/egress, missing]",
                        "istio-egressgateway.istio-system.svc.cluster.local")));
        assertThat(problems).extracting(Problem::toString).containsExactly(
                "vs.yaml: VirtualService/apps/vs spec.gateways[3]: no Gateway Gateway/istio-system/egress is defined;"
                        + " routes bound to it apply nowhere",
                "vs.yaml: VirtualService/apps/vs spec.gateways[4]: no Gateway Gateway/apps/missing is defined;"
                        + " routes bound to it apply nowhere");
        assertThat(problems).noneMatch(Problem::isError);
    }

    @Test
    void aDestinationNoServiceEntryDeclaresIsAWarning() {
        List<Problem> problems = ResourceSetValidator.validate(set(
                "vs.yaml", virtualService("[mesh]", "db.example.com")));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.isError()).isFalse();
            assertThat(p.field()).isEqualTo("spec.tcp[0].route[0].destination.host");
            assertThat(p.reason()).contains("no ServiceEntry declares \"db.example.com\"");
        });
    }

    @Test
    void declaredWildcardAndMeshInternalDestinationsAreFine() {
        String wildcard = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wild}
                spec:
                  hosts: ["*.example.com"]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                """;
        assertThat(ResourceSetValidator.validate(set(
                "se.yaml", wildcard,
                "vs1.yaml", virtualService("[mesh]", "db.example.com"),
                "vs2.yaml", virtualService("[mesh]", "istio-egressgateway.istio-system.svc.cluster.local")
                        .replace("name: vs,", "name: vs2,"),
                "vs3.yaml", virtualService("[mesh]", "reviews").replace("name: vs,", "name: vs3,")))).isEmpty();
    }

    /** The destination check looks hosts up by label; it must answer as {@link HostSyntax#isSubsetOf} over every entry would. */
    @Test
    void aDestinationIsDeclaredExactlyWhenSomeHostCoversItAsTheHostSyntaxSays() {
        List<String> declared = List.of("*.example.com", "db.example.org", "*.a.example.net");
        List<String> destinations = List.of("db.example.com", "x.y.example.com", "example.com", "*.example.com",
                "*.b.example.com", "db.example.org", "x.db.example.org", "example.org", "a.example.net",
                "x.a.example.net", "*.a.example.net", "*.example.net", "com.example");
        for (int without = 0; without <= declared.size(); without++) {
            List<String> hosts = new ArrayList<>(declared);
            if (without < declared.size()) {
                hosts.remove(without);
            }
            StringBuilder entry = new StringBuilder("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: se}
                    spec:
                      ports: [{number: 443, name: tls, protocol: TLS}]
                      hosts:
                    """);
            hosts.forEach(h -> entry.append("  - \"").append(h).append("\"\n"));
            for (String destination : destinations) {
                boolean covered = hosts.stream().anyMatch(h -> HostSyntax.isSubsetOf(destination, h));
                List<Problem> problems = ResourceSetValidator.validate(set("se.yaml", entry.toString(),
                        "vs.yaml", virtualService("[mesh]", "\"" + destination + "\"")));
                assertThat(problems.isEmpty()).as("%s declared by %s", destination, hosts).isEqualTo(covered);
            }
        }
    }

    @Test
    void duplicateIdsInOneSetAreErrors() {
        ResourceSet base = set("a.yaml", gateway("a", 443, "TCP"));
        ResourceSet twice = new ResourceSet(List.of(), List.of(base.gateways().get(0), base.gateways().get(0)),
                List.of(), List.of(), base.origins());
        assertThat(ResourceSetValidator.validate(twice)).singleElement().satisfies(p -> {
            assertThat(p.isError()).isTrue();
            assertThat(p.reason()).contains("Gateway/default/a is defined more than once");
        });
    }
}
