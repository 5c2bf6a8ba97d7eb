package io.portcullis.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code portcullis}: the command-line entry point. Exit codes: 0 ok, 1 rejected/failed, 2 usage. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A default-deny egress gateway driven by Istio resources.",
        subcommands = {RunCommand.class, ApplyCommand.class, GetCommand.class, DeleteCommand.class,
                ValidateCommand.class, CheckCommand.class, SuggestCommand.class, DiffCommand.class, CaCommand.class, CaptureCommand.class,
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
        CommandLine line = new CommandLine(new Main(), factory)
                .setCaseInsensitiveEnumValuesAllowed(false)
                .registerConverter(java.time.Duration.class, new DurationConverter())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler((e, cmd, parsed) -> failed(e, cmd))
                .setExecutionStrategy(Main::refuseUnmatchedThenRun);
        line.getSubcommands().get("help").getCommandSpec().usageMessage()
                .footer("", "Examples:", "  ./portcullis help apply", "  ./portcullis help ca issue");
        return line;
    }

    /**
     * Picocli lets a help flag win over words it did not recognise ({@code portcullis demo --help}
     * would print the top-level help and exit 0); they are a usage error here, whatever follows.
     */
    private static int refuseUnmatchedThenRun(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** kubectl's short form: the error and where help is, not the whole usage text. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + unknownCommand(e).orElse(e.getMessage()));
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage and examples.");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    /**
     * kubectl's {@code unknown command "demo" for "portcullis"} when the first word a command with
     * subcommands did not recognise is not an option: the commands it knows are those registered
     * with picocli, so commands added later are known without a list here.
     */
    private static Optional<String> unknownCommand(CommandLine.ParameterException e) {
        CommandLine cmd = e.getCommandLine();
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || cmd.getSubcommands().isEmpty()
                || u.getUnmatched().isEmpty()) {
            return Optional.empty();
        }
        String first = u.getUnmatched().get(0);
        if (first.startsWith("-") || cmd.getSubcommands().containsKey(first)) {
            return Optional.empty();
        }
        String name = cmd.getCommandSpec().qualifiedName();
        List<String> known = cmd.getSubcommands().keySet().stream().filter(k -> !k.equals("help")).toList();
        return Optional.of("unknown command \"" + first + "\" for \"" + name + "\" (commands: "
                + String.join(", ", known) + ")");
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
