package io.portcullis.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code portcullis}: the command-line entry point. Exit codes: 0 ok, 1 rejected/failed, 2 usage. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A default-deny egress gateway driven by Istio resources.",
        subcommands = {RunCommand.class, ApplyCommand.class, GetCommand.class, DeleteCommand.class,
                ValidateCommand.class, CheckCommand.class, CaCommand.class, CaptureCommand.class,
                WebhookCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  ./portcullis run --config ./egress",
                "  ./portcullis apply -f examples/articles/01-https-googleapis-serviceentry.yaml",
                "  ./portcullis get serviceentries", "  ./portcullis check --to www.googleapis.com:443",
                "  ./portcullis ca init --dir ./mesh-ca"})
public final class Main {
    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        // Netty samples buffer allocations for leak reports unless told otherwise: a stack trace per
        // sampled buffer on the data path. The tests run with it at paranoid; the product does not.
        if (System.getProperty(LEAK_DETECTION) == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return commandLine(System.in);
    }

    /** The command line with {@code -f -} reading {@code stdin}; set its out and err to capture output. */
    public static CommandLine commandLine(InputStream stdin) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K k = CommandLine.defaultFactory().create(type);
                if (k instanceof ReadsStdin r) {
                    r.stdin(stdin);
                }
                return k;
            }
        };
        return new CommandLine(new Main(), factory)
                .setCaseInsensitiveEnumValuesAllowed(false)
                .registerConverter(java.time.Duration.class, new DurationConverter())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler((e, cmd, parsed) -> failed(e, cmd));
    }

    /** kubectl's short form: the error and where help is, not the whole usage text. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + e.getMessage());
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage and examples.");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private static int failed(Exception e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        if (e instanceof CliException) {
            err.println(e.getMessage());
        } else {
            err.println("error: " + e);
        }
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }
}
