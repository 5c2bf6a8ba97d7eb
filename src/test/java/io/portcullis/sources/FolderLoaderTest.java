package io.portcullis.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Problem;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderLoaderTest {
    @TempDir
    Path dir;

    static String entry(String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                """.formatted(name, host);
    }

    static final String JSON_ENTRY = """
            {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "json"},
             "spec": {"hosts": ["json.example.com"], "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]}}
            """;

    void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    @Test
    void loadsYamlYmlAndJsonFilesInNameOrder() throws IOException {
        write("b.yml", entry("b", "b.example.com"));
        write("a.yaml", entry("a", "a.example.com") + "---\n" + entry("a2", "a2.example.com"));
        write("c.json", JSON_ENTRY);
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.problems()).isEmpty();
        assertThat(result.hasErrors()).isFalse();
        ResourceSet set = result.resources();
        assertThat(set.serviceEntries()).extracting(se -> se.id().name()).containsExactly("a", "a2", "b", "json");
        assertThat(set.origin(new ResourceId("ServiceEntry", "default", "a2"))).isEqualTo("a.yaml");
        assertThat(set.origin(new ResourceId("ServiceEntry", "default", "json"))).isEqualTo("c.json");
    }

    @Test
    void skipsHiddenFilesOtherSuffixesAndSubfolders() throws IOException {
        write(".a.yaml.tmp", "not: [yaml");
        write(".hidden.yaml", "not: [yaml");
        write("notes.txt", "not: [yaml");
        write("README.md", "# hi");
        Files.createDirectory(dir.resolve("sub.yaml"));
        Files.createDirectory(dir.resolve("nested"));
        Files.writeString(dir.resolve("nested/x.yaml"), "not: [yaml");
        write("ok.yaml", entry("ok", "ok.example.com"));
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.problems()).isEmpty();
        assertThat(result.resources().serviceEntries()).hasSize(1);
    }

    @Test
    void duplicateAcrossFilesNamesBothFiles() throws IOException {
        write("a.yaml", entry("same", "a.example.com"));
        write("b.yaml", entry("same", "b.example.com"));
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.errors()).singleElement().satisfies(p -> assertThat(p.toString()).isEqualTo(
                "b.yaml: ServiceEntry/default/same metadata.name: ServiceEntry/default/same is already defined in"
                        + " a.yaml; each resource may be defined once"));
        assertThat(result.resources()).isEqualTo(ResourceSet.EMPTY);
    }

    @Test
    void duplicateWithinOneFile() {
        LoadResult result = FolderLoader.fromFiles(Map.of("a.yaml",
                entry("same", "a.example.com") + "---\n" + entry("same", "b.example.com")));
        assertThat(result.errors()).singleElement()
                .satisfies(p -> assertThat(p.reason()).contains("already defined earlier in this file"));
    }

    @Test
    void sameNameOfAnotherKindIsNoDuplicate() {
        LoadResult result = FolderLoader.fromFiles(Map.of(
                "a.yaml", entry("googleapis", "www.googleapis.com"),
                "b.yaml", """
                        apiVersion: config.istio.io/v1alpha2
                        kind: EgressRule
                        metadata: {name: googleapis}
                        spec:
                          destination: {service: "*.googleapis.com"}
                          ports: [{port: 443, protocol: https}]
                        """));
        assertThat(result.errors()).isEmpty();
        assertThat(result.resources().serviceEntries()).hasSize(2);
    }

    @Test
    void refusesAFileOverFourMebibytes() throws IOException {
        write("a.yaml", entry("a", "a.example.com"));
        byte[] big = new byte[FolderLoader.MAX_FILE_BYTES + 1];
        java.util.Arrays.fill(big, (byte) '#');
        Files.write(dir.resolve("big.yaml"), big);
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.errors()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("big.yaml");
            assertThat(p.reason()).contains("larger than 4 MiB");
        });
        assertThat(result.resources().all()).isEmpty();
    }

    @Test
    void textOverTheLimitIsRefusedToo() {
        LoadResult result = FolderLoader.fromFiles(Map.of("big.yaml", "#".repeat(FolderLoader.MAX_FILE_BYTES + 1)));
        assertThat(result.errors()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("big.yaml");
            assertThat(p.reason()).contains("larger than 4 MiB");
        });
    }

    @Test
    void aFileOfExactlyTheLimitIsRead() throws IOException {
        String text = entry("a", "a.example.com");
        StringBuilder padded = new StringBuilder(text);
        while (padded.length() < FolderLoader.MAX_FILE_BYTES) {
            padded.append("# padding to the limit\n");
        }
        padded.setLength(FolderLoader.MAX_FILE_BYTES);
        write("a.yaml", padded.toString());
        assertThat(FolderLoader.load(dir).problems()).isEmpty();
    }

    @Test
    void aFileThatIsNotUtf8IsAnErrorNamingIt() throws IOException {
        Files.write(dir.resolve("latin1.yaml"), "metadata: {name: caf\u00e9}\n".getBytes(StandardCharsets.ISO_8859_1));
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.errors()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("latin1.yaml");
            assertThat(p.reason()).contains("not UTF-8");
        });
    }

    @Test
    void aByteOrderMarkIsNotContent() throws IOException {
        write("bom.yaml", "\uFEFF" + entry("a", "a.example.com"));
        assertThat(FolderLoader.load(dir).problems()).isEmpty();
    }

    @Test
    void malformedFileIsAnErrorAndTheSetIsRejectedWhole() throws IOException {
        write("a.yaml", entry("a", "a.example.com"));
        write("b.yaml", "kind: [unclosed\n");
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.errors()).singleElement()
                .satisfies(p -> assertThat(p.toString()).startsWith("b.yaml: malformed YAML at line 2, column 1"));
        assertThat(result.resources()).isEqualTo(ResourceSet.EMPTY);
    }

    @Test
    void warningsDoNotRejectTheSet() {
        LoadResult result = FolderLoader.fromFiles(Map.of("a.yaml", entry("a", "a.example.com")
                .replace("protocol: TLS", "protocol: tls")));
        assertThat(result.hasErrors()).isFalse();
        assertThat(result.warnings()).hasSize(1);
        assertThat(result.errors()).isEmpty();
        assertThat(result.resources().serviceEntries()).hasSize(1);
    }

    @Test
    void crossResourceRulesRunOnTheWholeFolder() {
        String tcp = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.example.com]
                  ports: [{number: 27017, name: mongo, protocol: MONGO}]
                  resolution: DNS
                """;
        LoadResult result = FolderLoader.fromFiles(Map.of("a.yaml", tcp.formatted("a", "a"),
                "b.yaml", tcp.formatted("b", "b")));
        assertThat(result.errors()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("b.yaml");
            assertThat(p.reason()).contains("also declared by ServiceEntry/default/a");
        });
    }

    @Test
    void missingOrWrongFolderIsAnErrorNotAnException() throws IOException {
        LoadResult missing = FolderLoader.load(dir.resolve("nope"));
        assertThat(missing.errors()).singleElement()
                .satisfies(p -> assertThat(p.reason()).isEqualTo("no such folder"));
        write("file.yaml", "");
        assertThat(FolderLoader.load(dir.resolve("file.yaml")).errors()).singleElement()
                .satisfies(p -> assertThat(p.reason()).isEqualTo("not a folder"));
        assertThat(FolderLoader.load(null).hasErrors()).isTrue();
    }

    @Test
    void emptyFolderIsAnEmptyValidSet() {
        LoadResult result = FolderLoader.load(dir);
        assertThat(result.problems()).isEmpty();
        assertThat(result.resources().all()).isEmpty();
    }

    @Test
    void fromFilesNeverThrows() {
        assertThat(FolderLoader.fromFiles(null).problems()).isEmpty();
        Map<String, String> odd = new HashMap<>();
        odd.put(null, "x");
        odd.put("null.yaml", null);
        LoadResult result = FolderLoader.fromFiles(odd);
        assertThat(result.errors()).extracting(Problem::reason)
                .containsExactlyInAnyOrder("a file without a name was given", "no content");
    }

    @Test
    void loadEqualsFromFiles() throws IOException {
        write("a.yaml", entry("a", "a.example.com"));
        write("b.json", JSON_ENTRY);
        LoadResult fromFolder = FolderLoader.load(dir);
        LoadResult fromText = FolderLoader.fromFiles(Map.of("b.json", JSON_ENTRY, "a.yaml", entry("a", "a.example.com")));
        assertThat(fromText).isEqualTo(fromFolder);
    }
}
