package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Problem;
import io.portcullis.sources.FolderLoader;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 11, defect 13: every limit on configuration input, with the message the README promises,
 * through {@code validate -f} (files and stdin) and the watched folder alike.
 */
class ConfigurationLimitsTest {
    private static final String ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: limits}
            spec:
              hosts: [limits.example.test]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            """;

    @TempDir
    Path dir;

    private record Outcome(int exitCode, String stderr) {}

    private static Outcome validate(byte[] stdin, String... files) {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine(new ByteArrayInputStream(stdin));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        cmd.setErr(new PrintWriter(err, true));
        String[] args = new String[files.length * 2 + 1];
        args[0] = "validate";
        for (int i = 0; i < files.length; i++) {
            args[1 + 2 * i] = "-f";
            args[2 + 2 * i] = files[i];
        }
        return new Outcome(cmd.execute(args), err.toString());
    }

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String folderError(Path dir) {
        return FolderLoader.load(dir).errors().stream().map(Problem::toString).findFirst().orElse("(none)");
    }

    @Test
    void aFileOver4MibIsRefusedFromAFileStdinAndTheFolder() throws Exception {
        byte[] big = utf8(ENTRY + ("#" + "x".repeat(78) + "\n").repeat(4 * 1024 * 1024 / 80 + 10));
        Path f = write("big.yaml", big);
        assertThat(validate(new byte[0], f.toString()))
                .isEqualTo(new Outcome(1, "error: " + f + " is larger than 4 MiB (4194304 bytes); refused\n"));
        assertThat(validate(big, "-"))
                .isEqualTo(new Outcome(1, "error: STDIN is larger than 4 MiB (4194304 bytes); refused\n"));
        assertThat(folderError(dir)).isEqualTo("big.yaml: cannot read: larger than 4 MiB; refused");
    }

    @Test
    void textThatIsNotUtf8IsRefusedFromStdinToo() throws Exception {
        byte[] latin1 = ENTRY.replace("limits.example", "caf\u00e9.example").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(validate(latin1, "-")).isEqualTo(new Outcome(1, "error: STDIN is not UTF-8 text\n"));
        Path f = write("latin1.yaml", latin1);
        assertThat(validate(new byte[0], f.toString())).isEqualTo(new Outcome(1, "error: " + f + " is not UTF-8 text\n"));
        assertThat(folderError(dir)).isEqualTo("latin1.yaml: cannot read: not UTF-8 text");
    }

    @Test
    void nestingDeeperThan100LevelsIsRefusedInPlainWords() throws Exception {
        Path yaml = write("deep.yaml", utf8(ENTRY + "  exportTo: " + "[".repeat(120) + "]".repeat(120) + "\n"));
        assertThat(validate(new byte[0], yaml.toString()).stderr()).startsWith("error: " + yaml
                + ": nested deeper than 100 levels; refused (no Istio resource nests that deep)\n");
        Path json = write("deep.json", utf8("{\"spec\": " + "[".repeat(120) + "]".repeat(120) + "}"));
        assertThat(validate(new byte[0], json.toString()).stderr()).startsWith("error: " + json
                + ": nested deeper than 100 levels; refused (no Istio resource nests that deep)\n");
    }

    @Test
    void aliasesLongLinesAndDuplicateKeysAreRefused() throws Exception {
        Path alias = write("alias.yaml", utf8("a: &a [lol, lol]\nb: [*a, *a]\n"));
        assertThat(validate(new byte[0], alias.toString()).stderr()).startsWith("error: " + alias
                + ": malformed YAML at line 2, column 7: YAML aliases (*a) are not supported; write the value out\n");
        Path line = write("line.yaml", utf8(ENTRY + "  exportTo: [\"" + "a".repeat(300 * 1024) + "\"]\n"));
        assertThat(validate(new byte[0], line.toString()).stderr()).startsWith("error: " + line
                + ": line 8 is longer than 256 KiB; refused (split it, or use JSON for machine-written files)\n");
        Path dup = write("dup.yaml", utf8(ENTRY + "  resolution: NONE\n"));
        assertThat(validate(new byte[0], dup.toString()).stderr()).startsWith("error: " + dup
                + ": malformed YAML at line 8, column 13: duplicate key \"resolution\" (a key may appear once in a mapping)\n");
    }
}
