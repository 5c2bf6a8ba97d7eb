package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.cli.Main;
import io.portcullis.sources.FolderLoader;
import io.portcullis.testsupport.Cli;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code -f -} reads stdin the one way in every command that takes files (apply, delete, diff,
 * validate): what it reads and how it refuses stdin are the same, against a real gateway.
 */
class StdinManifestsEndToEndTest {
    private static final String ENTRY = AdminApiEndToEndTest.entry("piped", 443);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"apply", "delete", "diff", "validate"})
    void stdinThatIsNotUtf8IsRefusedWithOneMessage(String command) throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            Cli.Result r = run(g, new byte[] {'k', 'i', 'n', 'd', ':', ' ', (byte) 0xff, '\n'}, command, "-f", "-");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).isEqualTo("error: STDIN is not UTF-8 text\n");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"apply", "delete", "diff", "validate"})
    void stdinLargerThanAFolderFileIsRefusedWithOneMessage(String command) throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            byte[] large = new byte[FolderLoader.MAX_FILE_BYTES + 1];
            Arrays.fill(large, (byte) '#');
            Cli.Result r = run(g, large, command, "-f", "-");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).startsWith("error: STDIN is larger than ").endsWith(" bytes); refused\n");
        }
    }

    @Test
    void everyCommandReadsTheSameDocumentFromStdin() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            byte[] doc = ENTRY.getBytes(StandardCharsets.UTF_8);
            Cli.Result validate = run(g, doc, "validate", "-f", "-");
            assertThat(validate.exitCode()).as(validate.stderr()).isZero();
            assertThat(validate.stdout()).isEqualTo("valid: 1 resource(s) in 1 file(s)\n");

            Cli.Result diff = run(g, doc, "diff", "-f", "-");
            assertThat(diff.exitCode()).as(diff.stderr()).isZero();

            Cli.Result apply = run(g, doc, "apply", "-f", "-");
            assertThat(apply.stdout()).isEqualTo("serviceentry.networking.istio.io/piped created\n");
            assertThat(g.gateway.policy().resources().serviceEntries()).hasSize(1);

            Cli.Result delete = run(g, doc, "delete", "-f", "-");
            assertThat(delete.stdout()).isEqualTo("serviceentry.networking.istio.io \"piped\" deleted\n");
            assertThat(g.gateway.policy().resources().serviceEntries()).isEmpty();
        }
    }

    private static Cli.Result run(RunningGateway g, byte[] stdin, String... args) {
        List<String> argv = new ArrayList<>(Arrays.asList(args));
        if (!args[0].equals("validate")) {
            argv.add("--server");
            argv.add(g.adminUrl());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cmd = Main.commandLine(new ByteArrayInputStream(stdin));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(argv.toArray(new String[0]));
        return new Cli.Result(code, out.toString(), err.toString());
    }
}
