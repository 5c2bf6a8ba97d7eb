package io.portcullis.sources.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.model.ResourceKind;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import io.portcullis.sources.store.ApplyResult.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderStoreTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T18:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    final AtomicInteger reloads = new AtomicInteger();
    FolderStore store;

    @BeforeEach
    void store() {
        store = new FolderStore(dir, () -> {
            reloads.incrementAndGet();
            return FolderLoader.load(dir);
        }, CLOCK);
    }

    static String entry(String name, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts: ["%s.example.com"]
                  ports:
                  - number: %d
                    name: https
                    protocol: HTTPS
                  resolution: DNS
                """.formatted(name, name, port);
    }

    ApplyResult apply(String text) throws StoreException {
        return apply("request.yaml", text);
    }

    ApplyResult apply(String file, String text) throws StoreException {
        return store.apply(new ApplyRequest(List.of(new SourceFile(file, text)), "default", Mode.APPLY, false));
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

    @Test
    void createsOneFileNamedAfterTheResourceThenReportsUnchangedAndConfigured() throws Exception {
        ApplyResult created = apply(entry("books", 443));
        assertThat(created.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.action()).isEqualTo(Action.CREATED);
            assertThat(o.kind()).isEqualTo(ResourceKind.SERVICE_ENTRY);
        });
        assertThat(folder()).containsOnlyKeys("serviceentry.default.books.yaml");
        assertThat(folder().get("serviceentry.default.books.yaml"))
                .contains("namespace: default", "creationTimestamp: 2026-11-23T18:00:00Z", "- books.example.com")
                .doesNotContain("resourceVersion");
        assertThat(FolderLoader.load(dir).errors()).isEmpty();
        assertThat(reloads).hasValue(1);

        String version = created.outcomes().get(0).resourceVersion();
        assertThat(apply(entry("books", 443)).outcomes().get(0).action()).isEqualTo(Action.UNCHANGED);
        assertThat(reloads).as("nothing written, nothing reloaded").hasValue(1);

        ApplyResult configured = apply(entry("books", 8443));
        assertThat(configured.outcomes().get(0).action()).isEqualTo(Action.CONFIGURED);
        assertThat(configured.outcomes().get(0).resourceVersion()).isNotEqualTo(version);
        StoredObject got = new FolderStore(dir, () -> null, CLOCK).get(ResourceKind.SERVICE_ENTRY, "default", "books");
        assertThat(got.resourceVersion()).as("a restart keeps versions").isEqualTo(configured.outcomes().get(0).resourceVersion());
        assertThat(got.creationTimestamp()).isEqualTo("2026-11-23T18:00:00Z");
        assertThat(got.object().at("/spec/ports/0/number").intValue()).isEqualTo(8443);
        assertThat(got.object().at("/metadata/resourceVersion").textValue()).isEqualTo(got.resourceVersion());
    }

    @Test
    void aStaleResourceVersionIsAConflictAndWritesNothing() throws Exception {
        String v1 = apply(entry("books", 443)).outcomes().get(0).resourceVersion();
        apply(entry("books", 8443));
        Map<String, String> before = folder();
        String stale = entry("books", 9443).replace("  name: books\n", "  name: books\n  resourceVersion: \"" + v1 + "\"\n");
        assertThatThrownBy(() -> apply(stale))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT);
                    assertThat(e.getMessage()).contains("serviceentries.networking.istio.io \"books\"",
                            "the object has been modified");
                });
        assertThat(folder()).isEqualTo(before);
        String current = store.get(ResourceKind.SERVICE_ENTRY, "default", "books").resourceVersion();
        String fresh = entry("books", 9443).replace("  name: books\n", "  name: books\n  resourceVersion: \"" + current + "\"\n");
        assertThat(apply(fresh).outcomes().get(0).action()).isEqualTo(Action.CONFIGURED);
    }

    @Test
    void oneBadDocumentRefusesTheWholeRequestWithEveryError() throws Exception {
        String bad = entry("good", 443) + "---\n" + entry("bad", 70000).replace("resolution: DNS", "resolution: DNS\n  colour: red");
        assertThatThrownBy(() -> apply("mine.yaml", bad))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID);
                    assertThat(e.problems()).extracting(Object::toString).anySatisfy(p -> assertThat(p)
                            .isEqualTo("mine.yaml: ServiceEntry/default/bad spec.ports[0].number: 70000 is out of range"
                                    + " (expected: 1-65535)"));
                    assertThat(e.problems()).extracting(Object::toString)
                            .anySatisfy(p -> assertThat(p).contains("spec.colour", "unknown field"));
                });
        assertThat(folder()).isEmpty();
        assertThat(reloads).hasValue(0);
    }

    @Test
    void aChangeThatMakesTheFolderInvalidIsRefusedBeforeWriting() throws Exception {
        String tcp = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts: [%s.tcp.test]
                  ports: [{number: 27017, name: mongo, protocol: MONGO}]
                  resolution: DNS
                """;
        Files.writeString(dir.resolve("hand.yaml"), tcp.formatted("one", "one"));
        Map<String, String> before = folder();
        assertThatThrownBy(() -> apply(tcp.formatted("two", "two")))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID);
                    assertThat(e.problems()).extracting(Object::toString).singleElement().asString()
                            .contains("serviceentry.default.two.yaml: ServiceEntry/default/two spec.ports[0]",
                                    "also declared by ServiceEntry/default/one");
                });
        assertThat(folder()).isEqualTo(before);
    }

    @Test
    void handWrittenMultiDocumentFilesKeepEveryOtherByte() throws Exception {
        String hand = "# my egress, by hand\n" + entry("a", 443) + "---\n# the b entry\n" + entry("b", 443)
                + "---\n" + entry("c", 443);
        Files.writeString(dir.resolve("hand.yaml"), hand);

        assertThat(apply(entry("b", 8443)).outcomes().get(0).action()).isEqualTo(Action.CONFIGURED);
        String after = folder().get("hand.yaml");
        assertThat(folder()).containsOnlyKeys("hand.yaml");
        assertThat(after).startsWith("# my egress, by hand\n" + entry("a", 443) + "---\n# the b entry\n")
                .endsWith("---\n" + entry("c", 443))
                .contains("number: 8443");

        store.delete(ResourceKind.SERVICE_ENTRY, "default", "b", null, false);
        assertThat(folder().get("hand.yaml")).isEqualTo("# my egress, by hand\n" + entry("a", 443) + "---\n" + entry("c", 443));
        store.delete(ResourceKind.SERVICE_ENTRY, "default", "a", null, false);
        store.delete(ResourceKind.SERVICE_ENTRY, "default", "c", null, false);
        assertThat(folder()).as("a file with nothing left goes").isEmpty();
    }

    @Test
    void deletingSeveralIsOneChangeJudgedByWhereItEnds() throws Exception {
        String gateway = """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: egress}
                spec:
                  servers:
                  - port: {number: 443, name: tls, protocol: TLS}
                    hosts: [a.example.com]
                    tls: {mode: PASSTHROUGH}
                """;
        String route = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a-via-egress}
                spec:
                  hosts: [a.example.com]
                  gateways: [egress]
                  tls:
                  - match: [{port: 443, sniHosts: [a.example.com]}]
                    route: [{destination: {host: a.example.com, port: {number: 443}}}]
                """;
        Files.writeString(dir.resolve("hand.yaml"), gateway + "---\n" + route + "---\n" + entry("a", 443));
        assertThat(FolderLoader.load(dir).warnings()).isEmpty();
        int before = reloads.get();

        ApplyResult r = store.deleteAll(List.of(new FolderStore.Deletion(ResourceKind.GATEWAY, "default", "egress"),
                new FolderStore.Deletion(ResourceKind.VIRTUAL_SERVICE, "default", "a-via-egress"),
                new FolderStore.Deletion(ResourceKind.SERVICE_ENTRY, "default", "nope")), false);
        assertThat(r.outcomes()).extracting(ApplyResult.Outcome::name).containsExactly("egress", "a-via-egress");
        assertThat(r.warnings()).as("nothing about the Gateway the route would have lost in between").isEmpty();
        assertThat(reloads.get()).as("one write").isEqualTo(before + 1);
        assertThat(folder().get("hand.yaml")).doesNotContain("Gateway", "VirtualService").endsWith(entry("a", 443));
        assertThat(FolderLoader.load(dir).errors()).isEmpty();
    }

    @Test
    void aResourceInsideAListIsNotRewrittenBehindItsNeighboursBack() throws Exception {
        Files.writeString(dir.resolve("list.yaml"), "apiVersion: v1\nkind: List\nitems:\n"
                + entry("a", 443).indent(2).replaceFirst("^  ", "- ") + entry("b", 443).indent(2).replaceFirst("^  ", "- "));
        assertThat(FolderLoader.load(dir).errors()).isEmpty();
        assertThatThrownBy(() -> apply(entry("a", 8443)))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT);
                    assertThat(e.getMessage()).contains("list.yaml", "List");
                });
        assertThat(store.list(ResourceKind.SERVICE_ENTRY, "default")).extracting(StoredObject::name).containsExactly("a", "b");
    }

    @Test
    void aBrokenHandEditElsewhereDoesNotBlockAnUnrelatedChangeButIsReported() throws Exception {
        Files.writeString(dir.resolve("broken.yaml"), "kind: [");
        ApplyResult r = apply(entry("books", 443));
        assertThat(r.outcomes().get(0).action()).isEqualTo(Action.CREATED);
        assertThat(r.warnings()).extracting(Object::toString).anySatisfy(w -> assertThat(w)
                .contains("1 error(s) elsewhere", "broken.yaml", "last good configuration"));
        assertThat(store.folderErrors()).isNotEmpty();
    }

    @Test
    void namespacesDefaultToTheRequestsAndSeparateResources() throws Exception {
        store.apply(new ApplyRequest(List.of(new SourceFile("a.yaml", entry("books", 443))), "team-a", Mode.APPLY, false));
        apply(entry("books", 443));
        assertThat(folder()).containsOnlyKeys("serviceentry.default.books.yaml", "serviceentry.team-a.books.yaml");
        assertThat(store.list(ResourceKind.SERVICE_ENTRY, "team-a")).singleElement()
                .satisfies(o -> assertThat(o.object().at("/metadata/namespace").textValue()).isEqualTo("team-a"));
        assertThat(store.list(ResourceKind.SERVICE_ENTRY, null)).hasSize(2);
    }

    @Test
    void createAndReplaceModesAndDeleteErrors() throws Exception {
        ApplyRequest create = new ApplyRequest(List.of(new SourceFile("r.yaml", entry("books", 443))), "default",
                Mode.CREATE, false);
        ApplyRequest replace = new ApplyRequest(List.of(new SourceFile("r.yaml", entry("books", 443))), "default",
                Mode.REPLACE, false);
        assertThatThrownBy(() -> store.apply(replace)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND));
        store.apply(create);
        assertThatThrownBy(() -> store.apply(create)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ALREADY_EXISTS));
        assertThatThrownBy(() -> store.delete(ResourceKind.SERVICE_ENTRY, "default", "books", "0000", false))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT));
        assertThatThrownBy(() -> store.delete(ResourceKind.GATEWAY, "default", "books", null, false))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND));
        ApplyResult dry = store.delete(ResourceKind.SERVICE_ENTRY, "default", "books", null, true);
        assertThat(dry.dryRun()).isTrue();
        assertThat(folder()).hasSize(1);
    }

    @Test
    void malformedYamlIsReportedWithItsLine() {
        assertThatThrownBy(() -> apply("x.yaml", entry("a", 443) + "---\nkind: [\n"))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.problems()).extracting(Object::toString)
                        .anySatisfy(p -> assertThat(p).startsWith("x.yaml: malformed YAML at line")));
    }
}
