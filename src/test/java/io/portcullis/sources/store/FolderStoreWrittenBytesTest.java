package io.portcullis.sources.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an apply writes, byte for byte, and what it reports, message for message: one request of
 * several files and documents touching every kind of file the store writes (a new file, a document
 * appended to a taken name, a document replaced inside a hand-written file, a JSON file, a
 * resource of a List). Pinned so that a change in how a request is parsed and written cannot move a
 * byte unnoticed.
 */
class FolderStoreWrittenBytesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T16:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    FolderStore store() {
        return new FolderStore(dir, () -> FolderLoader.load(dir), CLOCK);
    }

    Map<String, String> folder() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                out.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return out;
    }

    static String entry(String name, String host, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts: ["%s"]
                  ports: [{number: %d, name: https, protocol: HTTPS}]
                  resolution: DNS
                """.formatted(name, host, port);
    }

    void handWrittenFolder() throws IOException {
        Files.writeString(dir.resolve("hand.yaml"), "# by hand\n" + entry("a", "a.example.com", 443)
                + "---\n# the b entry, kept above it\n" + entry("b", "b.example.com", 443) + "---   # c next\n"
                + entry("c", "c.example.com", 443));
        Files.writeString(dir.resolve("j.json"), """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "j"},
                 "spec": {"hosts": ["j.example.com"], "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}],
                          "resolution": "DNS"}}
                """);
        Files.writeString(dir.resolve("serviceentry.default.clash.yaml"), "# someone took this name\n"
                + entry("other", "other.example.com", 443));
        // Replaced resources keep their creation time, which a hand-written file takes from its modification time.
        for (String name : List.of("hand.yaml", "j.json", "serviceentry.default.clash.yaml")) {
            Files.setLastModifiedTime(dir.resolve(name), FileTime.from(Instant.parse("2026-12-01T10:00:00Z")));
        }
    }

    @Test
    void aRequestOfSeveralFilesAndDocumentsWritesExactlyTheseFiles() throws Exception {
        handWrittenFolder();
        String request = """
                # a comment the request loses: the store writes each resource afresh
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: new1
                  labels: {flag: "yes", port: "8080", empty: ""}
                  annotations:
                    note: 'two words: with a colon # and a hash'
                  resourceVersion: ""
                  uid: dropped
                spec:
                  hosts: [new1.example.com, "www.new1.example.com"]
                  location: MESH_EXTERNAL
                  ports:
                  - {number: 443, name: https, protocol: HTTPS}
                  - number: 8080
                    name: http
                    protocol: HTTP
                    targetPort: 80
                  resolution: DNS
                status: {dropped: true}
                ---
                """ + entry("b", "b.example.com", 8443) + """
                ---
                apiVersion: v1
                kind: List
                items:
                - apiVersion: networking.istio.io/v1
                  kind: ServiceEntry
                  metadata: {name: new2}
                  spec: {hosts: [new2.example.com], resolution: DNS}
                - apiVersion: networking.istio.io/v1
                  kind: ServiceEntry
                  metadata: {name: j}
                  spec:
                    hosts: [j.example.com]
                    ports: [{number: 8443, name: https, protocol: HTTPS}]
                    resolution: DNS
                ---
                """ + entry("clash", "clash.example.com", 443);
        String json = """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "new3", "namespace": "team-a"},
                 "spec": {"hosts": ["new3.example.com"], "ports": [{"number": 5432, "name": "pg", "protocol": "TCP"}],
                          "addresses": ["10.1.2.3"], "resolution": "STATIC",
                          "endpoints": [{"address": "10.1.2.3"}]}}
                """;
        ApplyResult result = store().apply(new ApplyRequest(List.of(new SourceFile("req.yaml", request),
                new SourceFile("more.json", json)), "default", Mode.APPLY, false));

        assertThat(result.outcomes()).extracting(o -> o.action().text() + " " + o.namespace() + "/" + o.name()
                + " " + o.resourceVersion()).containsExactly(
                "created default/new1 8a6d1b716112e526",
                "configured default/b 95c2332dd7c8c21e",
                "created default/new2 8f56dc9ebe2425c6",
                "configured default/j 9beb76505f9a0801",
                "created default/clash 1869c57e09d588b4",
                "created team-a/new3 458aa592aeba9c98");
        assertThat(result.warnings()).extracting(Object::toString).containsExactly(
                "req.yaml: ServiceEntry/default/new2 spec.ports: absent; accepted but not acted on by Portcullis (it allows a"
                        + " destination only on a declared port, so this entry allows nothing)");
        Map<String, String> expected = new TreeMap<>();
        expected.put("hand.yaml", """
                # by hand
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: a
                spec:
                  hosts: ["a.example.com"]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: DNS
                ---
                # the b entry, kept above it
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: b
                  namespace: default
                  creationTimestamp: 2026-12-01T10:00:00Z
                spec:
                  hosts:
                  - b.example.com
                  ports:
                  - number: 8443
                    name: https
                    protocol: HTTPS
                  resolution: DNS
                ---   # c next
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: c
                spec:
                  hosts: ["c.example.com"]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: DNS
                """);
        expected.put("j.json", """
                {
                  "apiVersion" : "networking.istio.io/v1",
                  "kind" : "ServiceEntry",
                  "metadata" : {
                    "name" : "j",
                    "namespace" : "default",
                    "creationTimestamp" : "2026-12-01T10:00:00Z"
                  },
                  "spec" : {
                    "hosts" : [ "j.example.com" ],
                    "ports" : [ {
                      "number" : 8443,
                      "name" : "https",
                      "protocol" : "HTTPS"
                    } ],
                    "resolution" : "DNS"
                  }
                }
                """);
        expected.put("serviceentry.default.clash.yaml", """
                # someone took this name
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: other
                spec:
                  hosts: ["other.example.com"]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: clash
                  namespace: default
                  creationTimestamp: 2026-12-03T16:00:00Z
                spec:
                  hosts:
                  - clash.example.com
                  ports:
                  - number: 443
                    name: https
                    protocol: HTTPS
                  resolution: DNS
                """);
        expected.put("serviceentry.default.new1.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: new1
                  namespace: default
                  labels:
                    flag: "yes"
                    port: "8080"
                    empty: ""
                  annotations:
                    note: "two words: with a colon # and a hash"
                  creationTimestamp: 2026-12-03T16:00:00Z
                spec:
                  hosts:
                  - new1.example.com
                  - www.new1.example.com
                  location: MESH_EXTERNAL
                  ports:
                  - number: 443
                    name: https
                    protocol: HTTPS
                  - number: 8080
                    name: http
                    protocol: HTTP
                    targetPort: 80
                  resolution: DNS
                """);
        expected.put("serviceentry.default.new2.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: new2
                  namespace: default
                  creationTimestamp: 2026-12-03T16:00:00Z
                spec:
                  hosts:
                  - new2.example.com
                  resolution: DNS
                """);
        expected.put("serviceentry.team-a.new3.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: new3
                  namespace: team-a
                  creationTimestamp: 2026-12-03T16:00:00Z
                spec:
                  hosts:
                  - new3.example.com
                  ports:
                  - number: 5432
                    name: pg
                    protocol: TCP
                  addresses:
                  - 10.1.2.3
                  resolution: STATIC
                  endpoints:
                  - address: 10.1.2.3
                """);
        assertThat(folder()).isEqualTo(expected);
    }

    @Test
    void problemsOfARequestAndOfTheFolderItWouldMakeAreReportedWithFileResourceAndField() throws Exception {
        handWrittenFolder();
        String request = entry("ok", "ok.example.com", 443) + "---\n"
                + entry("bad", "bad.example.com", 70000).replace("resolution: DNS", "resolution: DNS\n  colour: red")
                + "---\n" + entry("ok", "ok.example.com", 443) + "---\n"
                + "apiVersion: networking.istio.io/v1\nkind: Telemetry\nmetadata: {name: t}\nspec: {}\n";
        String json = "{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"ServiceEntry\","
                + " \"metadata\": {\"name\": \"x\"}, \"spec\": {\"hosts\": [\"bad host\"]}}";
        Map<String, String> before = folder();
        assertThatThrownBy(() -> store().apply(new ApplyRequest(List.of(new SourceFile("req.yaml", request),
                new SourceFile("x.json", json)), "default", Mode.APPLY, false)))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("5 error(s) in the resources given; nothing was written");
                    assertThat(e.problems()).extracting(Object::toString).containsExactly(
                            "req.yaml: ServiceEntry/default/ok metadata.name: ServiceEntry/default/ok is given twice in"
                                    + " this request (also in req.yaml); each resource may be given once",
                            "req.yaml: ServiceEntry/default/bad spec.ports[0].number: 70000 is out of range (expected:"
                                    + " 1-65535)",
                            "req.yaml: ServiceEntry/default/bad spec.colour: unknown field (ServiceEntry has no field"
                                    + " \"colour\")",
                            "req.yaml: Telemetry/default/t kind: unsupported kind \"Telemetry\" (apiVersion"
                                    + " networking.istio.io/v1); Portcullis reads ServiceEntry, Gateway, VirtualService"
                                    + " and DestinationRule (and Sidecar) of networking.istio.io/v1, v1beta1 or v1alpha3,"
                                    + " and AuthorizationPolicy of security.istio.io/v1 or v1beta1, and v1 Secrets"
                                    + " holding TLS material for credentialName",
                            "x.json: ServiceEntry/default/x spec.hosts[0]: \"bad host\" is not a valid host name"
                                    + " (expected: DNS labels of letters, digits and '-', separated by '.', at most 253"
                                    + " characters, or *.suffix)",
                            "x.json: ServiceEntry/default/x spec.ports: absent; accepted but not acted on by Portcullis"
                                    + " (it allows a destination only on a declared port, so this entry allows nothing)");
                });
        assertThat(folder()).isEqualTo(before);

        String mongo = entry("m2", "m2.example.com", 27017).replace("https, protocol: HTTPS", "mongo, protocol: MONGO");
        Files.writeString(dir.resolve("m1.yaml"), mongo.replace("m2", "m1"));
        before = folder();
        assertThatThrownBy(() -> store().apply(new ApplyRequest(List.of(new SourceFile("clash.yaml", mongo)),
                "default", Mode.APPLY, false)))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("the configuration folder would not be valid with this"
                            + " change (1 error(s)); nothing was written");
                    assertThat(e.problems()).extracting(Object::toString).containsExactly(
                            "serviceentry.default.m2.yaml: ServiceEntry/default/m2 spec.ports[0]: port 27017 (MONGO) is"
                                    + " also declared by ServiceEntry/default/m1 without addresses; TCP entries without"
                                    + " addresses on the same port are ambiguous, add addresses to one of them");
                });
        assertThat(folder()).isEqualTo(before);
    }
}
