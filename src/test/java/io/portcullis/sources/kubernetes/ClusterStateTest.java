package io.portcullis.sources.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.ResourceParser;
import io.portcullis.sources.FolderLoader;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Kubernetes mode's per-object semantics, beside the folder's whole-set semantics on the same input. */
class ClusterStateTest {
    private static final String GOOD = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: good, namespace: default}
            spec:
              hosts: [api.example.test]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            """;
    private static final String BAD = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: bad, namespace: default}
            spec:
              hosts: [db.example.test]
              addresses: [10.0.0.0/33]
              ports: [{number: 5432, name: tcp, protocol: TCP}]
              resolution: NONE
            """;

    private static ApiObject object(String name, String created) {
        return new ApiObject("networking.istio.io/v1", "ServiceEntry", "default", name, "uid-" + name, 1, created,
                Optional.empty());
    }

    @Test
    void anInvalidObjectIsSkippedAloneWithTheFolderLoadersOwnMessage() {
        ClusterState state = new ClusterState();
        state.put(object("good", "2026-01-01T00:00:00Z"), ResourceParser.parse(ClusterState.ORIGIN, GOOD));
        state.put(object("bad", "2026-01-01T00:00:01Z"), ResourceParser.parse(ClusterState.ORIGIN, BAD));

        ClusterSnapshot s = state.snapshot();

        assertThat(s.result().hasErrors()).isFalse();
        assertThat(s.result().resources().serviceEntries()).extracting(se -> se.id().name()).containsExactly("good");
        assertThat(s.rejections()).singleElement().satisfies(r -> {
            assertThat(r.object().name()).isEqualTo("bad");
            assertThat(r.message()).isEqualTo("spec.addresses[0]: \"10.0.0.0/33\" is not a CIDR (expected: prefix 0-32)");
        });
        // The folder refuses the same two resources whole, with the same message.
        var folder = FolderLoader.fromFiles(Map.of("good.yaml", GOOD, "bad.yaml", BAD));
        assertThat(folder.hasErrors()).isTrue();
        assertThat(folder.resources().serviceEntries()).isEmpty();
        assertThat(folder.errors()).singleElement().asString().endsWith(s.rejections().get(0).message());
    }

    @Test
    void aCrossResourceConflictSkipsTheYoungerObjectOnly() {
        String first = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: [%s.example.test]
                  ports: [{number: 6379, name: redis, protocol: TCP}]
                  resolution: DNS
                """;
        ClusterState state = new ClusterState();
        state.put(object("younger", "2026-01-02T00:00:00Z"),
                ResourceParser.parse(ClusterState.ORIGIN, first.formatted("younger", "younger")));
        state.put(object("older", "2026-01-01T00:00:00Z"),
                ResourceParser.parse(ClusterState.ORIGIN, first.formatted("older", "older")));

        ClusterSnapshot s = state.snapshot();

        assertThat(s.result().resources().serviceEntries()).extracting(se -> se.id().name()).containsExactly("older");
        assertThat(s.rejections()).singleElement().satisfies(r -> {
            assertThat(r.object().name()).isEqualTo("younger");
            assertThat(r.message()).contains("also declared by ServiceEntry/default/older");
        });
    }

    @Test
    void aValidObjectThatStillShowsAnEarlierRejectionIsToBeCleared() {
        ClusterState state = new ClusterState();
        ApiObject marked = new ApiObject("networking.istio.io/v1", "ServiceEntry", "default", "good", "u", 2,
                "2026-01-01T00:00:00Z", Optional.of("spec.hosts: required"));
        state.put(marked, ResourceParser.parse(ClusterState.ORIGIN, GOOD));

        assertThat(state.snapshot().cleared()).containsExactly(marked);
    }

    @Test
    void aStatusOnlyChangeNeedsNoNewSnapshot() {
        ClusterState state = new ClusterState();
        assertThat(state.put(object("good", "t"), ResourceParser.parse(ClusterState.ORIGIN, GOOD))).isTrue();
        assertThat(state.put(object("good", "t"), ResourceParser.parse(ClusterState.ORIGIN, GOOD))).isFalse();
    }
}
