package io.portcullis.testsupport;

import io.portcullis.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs the real {@code portcullis} command line in this JVM, as {@code main} would, with its
 * stdout, stderr and stdin captured: each run has its own, so runs may be concurrent. Commands
 * that talk to a gateway get {@code --server} (and {@code --token-file}) added.
 */
public final class InJvmCli {
    private static final List<String> TALK_TO_SERVER = List.of("apply", "get", "delete", "check", "suggest", "diff");

    private final String server;
    private final String tokenFile;

    private InJvmCli(String server, String tokenFile) {
        this.server = server;
        this.tokenFile = tokenFile;
    }

    /** For {@code server} (e.g. {@code http://127.0.0.1:15000}); null for offline commands only. */
    public static InJvmCli against(String server) {
        return new InJvmCli(server, null);
    }

    public InJvmCli withTokenFile(String file) {
        return new InJvmCli(server, file);
    }

    public Cli.Result run(String... args) {
        return runWithInput("", args);
    }

    public Cli.Result runWithInput(String stdin, String... args) {
        List<String> argv = new ArrayList<>(Arrays.asList(args));
        if (server != null && !argv.isEmpty() && TALK_TO_SERVER.contains(argv.get(0))) {
            argv.add("--server");
            argv.add(server);
            if (tokenFile != null) {
                argv.add("--token-file");
                argv.add(tokenFile);
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(argv.toArray(new String[0]));
        return new Cli.Result(code, out.toString(), err.toString());
    }
}
