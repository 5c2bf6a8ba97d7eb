package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.parse;
import static io.portcullis.model.Fixtures.single;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Documents, formats, metadata and kinds: everything around the spec. */
class ResourceParserTest {

    static final String SERVICE_ENTRY = """
            apiVersion: networking.istio.io/v1alpha3
            kind: ServiceEntry
            metadata:
              name: googleapis
            spec:
              hosts: [www.googleapis.com]
              ports: [{number: 443, name: https, protocol: HTTPS}]
              resolution: DNS
            """;

    static final String VIRTUAL_SERVICE = """
            apiVersion: networking.istio.io/v1alpha3
            kind: VirtualService
            metadata:
              name: googleapis
            spec:
              hosts: [www.googleapis.com]
              tls:
              - match: [{port: 443, sni_hosts: [www.googleapis.com]}]
                route: [{destination: {host: www.googleapis.com, port: {number: 443}}, weight: 100}]
            """;

    @Test
    void readsEveryDocumentInOrderAndSkipsEmptyOnes() {
        ParsedFile parsed = parse("---\n# a comment only\n---\n" + SERVICE_ENTRY + "---\n---\n" + VIRTUAL_SERVICE
                + "...\n");
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.resources()).extracting(r -> r.id().toString())
                .containsExactly("ServiceEntry/default/googleapis", "VirtualService/default/googleapis");
    }

    @Test
    void emptyTextHasNoResourcesAndNoProblems() {
        assertThat(parse("").problems()).isEmpty();
        assertThat(parse("# nothing\n---\n").resources()).isEmpty();
    }

    @Test
    void readsJsonByFileName() {
        ParsedFile parsed = ResourceParser.parse("entry.json", """
                {
                  "apiVersion": "networking.istio.io/v1",
                  "kind": "ServiceEntry",
                  "metadata": {"name": "api", "namespace": "apps"},
                  "spec": {"hosts": ["api.example.com"], "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}],
                           "export_to": ["."]}
                }
                """);
        assertThat(parsed.problems()).isEmpty();
        ServiceEntry se = (ServiceEntry) parsed.resources().get(0);
        assertThat(se.id()).isEqualTo(new ResourceId("ServiceEntry", "apps", "api"));
        assertThat(se.exportTo()).containsExactly(".");
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        ParsedFile parsed = ResourceParser.parse("entry.json", "{\n  \"kind\": \"ServiceEntry\",,\n}");
        assertThat(parsed.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("entry.json");
            assertThat(p.reason()).startsWith("malformed JSON at line 2, column");
        });
    }

    @Test
    void readsKubectlListOutput() {
        ParsedFile parsed = parse("""
                apiVersion: v1
                kind: List
                metadata: {resourceVersion: ""}
                items:
                """ + (SERVICE_ENTRY + "status: {}\n").indent(2).replaceFirst(" {2}apiVersion", "- apiVersion")
                + VIRTUAL_SERVICE.indent(2).replaceFirst(" {2}apiVersion", "- apiVersion"));
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.resources()).hasSize(2);
    }

    @Test
    void readsTypedListsToo() {
        ParsedFile parsed = parse("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntryList
                items:
                """ + SERVICE_ENTRY.indent(2).replaceFirst(" {2}apiVersion", "- apiVersion"));
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.resources()).hasSize(1);
    }

    @Test
    void listItemProblemsAreNamedByResourceOrByIndex() {
        ParsedFile parsed = parse("""
                apiVersion: v1
                kind: List
                items:
                - apiVersion: networking.istio.io/v1
                  kind: ServiceEntry
                  metadata: {name: ok}
                  spec: {hosts: [a.example.com], ports: [{number: 443, name: tls, protocol: TLS}], bogus: 1}
                - apiVersion: networking.istio.io/v1
                  kind: ServiceEntry
                  metadata: {namespace: x}
                  spec: {}
                """);
        assertThat(parsed.problems()).extracting(Problem::toString).containsExactly(
                "test.yaml: ServiceEntry/default/ok spec.bogus: unknown field (ServiceEntry has no field \"bogus\")",
                "test.yaml: items[1].metadata.name: required (document at line 1)");
    }

    @Test
    void listsMayNotHaveOtherFields() {
        ParsedFile parsed = parse("apiVersion: v1\nkind: List\nitems: []\nextra: 1\n");
        assertThat(parsed.problems()).singleElement()
                .satisfies(p -> assertThat(p.toString()).isEqualTo(
                        "test.yaml: extra: unknown field (List has no field \"extra\")"));
    }

    @Test
    void malformedYamlNamesFileLineAndColumn() {
        ParsedFile parsed = parse("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: x
                spec:
                  hosts: [a.example.com]
                   ports: []
                """);
        assertThat(parsed.problems()).singleElement().satisfies(p -> {
            assertThat(p.isError()).isTrue();
            assertThat(p.resource()).isNull();
            assertThat(p.toString()).startsWith("test.yaml: malformed YAML at line 7, column 4: ");
        });
    }

    @Test
    void documentsBeforeAMalformedOneAreStillRead() {
        ParsedFile parsed = parse(SERVICE_ENTRY + "---\nkey: [unclosed\n");
        assertThat(parsed.resources()).hasSize(1);
        assertThat(parsed.hasErrors()).isTrue();
        assertThat(parsed.problems().get(0).reason()).startsWith("malformed YAML at line 11,");
    }

    @Test
    void duplicateKeysAreMalformed() {
        ParsedFile parsed = parse(SERVICE_ENTRY + "  resolution: STATIC\n");
        assertThat(parsed.problems()).singleElement().satisfies(p -> assertThat(p.reason())
                .isEqualTo("malformed YAML at line 9, column 13: duplicate key \"resolution\" (a key may appear once"
                        + " in a mapping)"));
    }

    @Test
    void yamlAliasesAreRefusedRatherThanMisread() {
        ParsedFile parsed = parse("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: x}
                spec:
                  hosts: &h [a.example.com]
                  addresses: *h
                  ports: [{number: 443, name: tls, protocol: TLS}]
                """);
        assertThat(parsed.problems()).singleElement().satisfies(p -> assertThat(p.reason())
                .contains("line 6", "YAML aliases (*h) are not supported"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"- a\n- b\n", "just text\n", "42\n"})
    void aDocumentMustBeAMapping(String yaml) {
        assertThat(parse(yaml).problems()).singleElement()
                .satisfies(p -> assertThat(p.reason()).startsWith("the document at line 1 is not a resource"));
    }

    @Test
    void refusesAYamlLineSnakeYamlWouldCrawlThrough() {
        String longLine = "# " + "x".repeat(Documents.MAX_YAML_LINE) + "\n";
        ParsedFile parsed = parse(SERVICE_ENTRY + longLine);
        assertThat(parsed.problems()).singleElement()
                .satisfies(p -> assertThat(p.reason()).startsWith("line 9 is longer than 256 KiB; refused"));
        assertThat(ResourceParser.parse("long.json", "{\"a\": \"" + "x".repeat(Documents.MAX_YAML_LINE) + "\"}")
                .problems()).extracting(Problem::field).containsExactly("apiVersion", "kind", "metadata");
    }

    @Test
    void neverThrowsOnGarbage() {
        assertThat(parse("\t\u0000\uFFFF: : :\n  - ]").hasErrors()).isTrue();
        assertThat(ResourceParser.parse(null, null).hasErrors()).isTrue();
        assertThat(ResourceParser.parse("x.json", "[1, 2").hasErrors()).isTrue();
    }

    @Test
    void metadataNamesTheResource() {
        ServiceEntry se = single(SERVICE_ENTRY.replace("  name: googleapis\n", """
                  name: googleapis
                  namespace: egress
                  labels: {app: books}
                  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
                  resourceVersion: "1234"
                  uid: 6f1c6a1e-0000-0000-0000-000000000000
                  creationTimestamp: "2024-01-01T00:00:00Z"
                  generation: 2
                  managedFields: [{manager: kubectl}]
                """) + "status: {validationMessages: []}\n", ServiceEntry.class);
        assertThat(se.id()).isEqualTo(new ResourceId("ServiceEntry", "egress", "googleapis"));
    }

    @Test
    void metadataProblems() {
        onlyError(SERVICE_ENTRY.replace("  name: googleapis\n", "  namespace: x\n"), "metadata.name",
                "required (document at line 1)");
        onlyError(SERVICE_ENTRY.replace("name: googleapis", "name: Google_APIs"), "metadata.name",
                "\"Google_APIs\" is not a valid name (expected: a DNS-1123 subdomain");
        onlyError(SERVICE_ENTRY.replace("name: googleapis", "name: googleapis\n  namespace: Egress.NS"),
                "metadata.namespace", "is not a valid namespace");
        onlyError(SERVICE_ENTRY.replace("name: googleapis", "name: googleapis\n  owner: me"),
                "metadata.owner", "unknown field (ObjectMeta has no field \"owner\")");
        onlyError(SERVICE_ENTRY.replace("name: googleapis", "name: googleapis\n  finalizers: [x]"),
                "metadata.finalizers", "not supported by Portcullis");
        onlyError(SERVICE_ENTRY.replace("name: googleapis", "name: googleapis\n  labels: {v: 1}"),
                "metadata.labels.v", "expected a string, got number 1");
    }

    @Test
    void topLevelProblems() {
        onlyError(SERVICE_ENTRY.replace("kind: ServiceEntry\n", ""), "kind", "required (document at line 1)");
        onlyError(SERVICE_ENTRY.replace("apiVersion: networking.istio.io/v1alpha3\n", ""), "apiVersion",
                "required");
        onlyError("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nspec: {}\n", "metadata", "required");
        onlyError("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: x}\n", "spec",
                "required");
        onlyError(SERVICE_ENTRY + "extra: true\n", "extra", "unknown field (resource has no field \"extra\")");
        onlyError(SERVICE_ENTRY.replace("kind: ServiceEntry", "kind: 7"), "kind", "expected a string, got number 7");
    }

    @Test
    void unsupportedKindsAndVersionsAreNamed() {
        Problem p = onlyError("""
                apiVersion: networking.istio.io/v1beta1
                kind: WorkloadEntry
                metadata: {name: default, namespace: istio-system}
                spec: {address: 10.0.0.1}
                """, "kind", "unsupported kind \"WorkloadEntry\" (apiVersion networking.istio.io/v1beta1)");
        assertThat(p.toString()).startsWith("test.yaml: WorkloadEntry/istio-system/default kind: unsupported kind");
        onlyError(SERVICE_ENTRY.replace("networking.istio.io/v1alpha3", "networking.istio.io/v2"), "apiVersion",
                "unsupported apiVersion \"networking.istio.io/v2\" for ServiceEntry");
        onlyError(SERVICE_ENTRY.replace("networking.istio.io/v1alpha3", "v1"), "apiVersion",
                "unsupported apiVersion \"v1\" for ServiceEntry");
        onlyError("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n", "kind",
                "unsupported kind \"ConfigMap\"");
    }

    @Test
    void acceptsEveryIstioNetworkingVersion() {
        for (String version : List.of("v1", "v1beta1", "v1alpha3")) {
            single(SERVICE_ENTRY.replace("v1alpha3", version), ServiceEntry.class);
        }
    }

    @Test
    void camelAndSnakeCaseAreOneField() {
        ServiceEntry camel = single(ServiceEntryMapperTest.se("""
                hosts: [db.example.com]
                ports: [{number: 5432, name: pg, protocol: TCP, targetPort: 6432}]
                resolution: STATIC
                endpoints: [{address: 192.0.2.1}]
                exportTo: ["."]
                """), ServiceEntry.class);
        ServiceEntry snake = single(ServiceEntryMapperTest.se("""
                hosts: [db.example.com]
                ports: [{number: 5432, name: pg, protocol: TCP, target_port: 6432}]
                resolution: STATIC
                endpoints: [{address: 192.0.2.1}]
                export_to: ["."]
                """), ServiceEntry.class);
        assertThat(snake).isEqualTo(camel);
        onlyError(ServiceEntryMapperTest.se("""
                hosts: [db.example.com]
                ports: [{number: 5432, name: pg, protocol: TCP, targetPort: 6432, target_port: 6432}]
                """), "spec.ports[0].targetPort", "both \"targetPort\" and \"target_port\" are set");
    }

    @Test
    void aResourceWithAnErrorIsLeftOutButOthersStay() {
        ParsedFile parsed = parse(SERVICE_ENTRY + "---\n" + VIRTUAL_SERVICE.replace("weight: 100", "weight: 200"));
        assertThat(parsed.resources()).extracting(r -> r.id().kind()).containsExactly("ServiceEntry");
        assertThat(parsed.hasErrors()).isTrue();
    }

    @Test
    void nullMeansAbsentAsInKubernetes() {
        ServiceEntry se = single(ServiceEntryMapperTest.se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                addresses:
                endpoints: null
                resolution: ~
                """), ServiceEntry.class);
        assertThat(se.addresses()).isEmpty();
        assertThat(se.resolution()).isEqualTo(Resolution.NONE);
    }

    @Test
    void wrongShapesAreNamed() {
        onlyError(ServiceEntryMapperTest.se("""
                hosts: api.example.com
                ports: [{number: 443, name: tls, protocol: TLS}]
                """), "spec.hosts", "expected a list of strings, got string \"api.example.com\"");
        onlyError(ServiceEntryMapperTest.se("""
                hosts: [api.example.com]
                ports: {number: 443, name: tls, protocol: TLS}
                """), "spec.ports", "expected a list of ServiceEntry.ServicePort, got an object");
        onlyError(ServiceEntryMapperTest.se("""
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                endpoints: [{address: 192.0.2.1, labels: [a]}]
                resolution: STATIC
                """), "spec.endpoints[0].labels", "expected a map, got a list");
        onlyError("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: x}
                spec: [1]
                """, "spec", "expected an object (ServiceEntry), got a list");
    }

    @Test
    void onlyErrorsAreErrors() {
        assertThat(new ParsedFile(List.of(), List.of(Problem.warning("f", null, null, "w"))).hasErrors()).isFalse();
        assertThat(new ParsedFile(List.of(), List.of(Problem.error("f", null, null, "e"))).hasErrors()).isTrue();
    }
}
