package io.portcullis.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code portcullis}: the command-line entry point. Exit codes: 0 ok, 1 rejected/failed, 2 usage. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A default-deny egress gateway driven by Istio resources.",
        subcommands = {RunCommand.class, CaCommand.class, CaptureCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(false)
                .registerConverter(java.time.Duration.class, new DurationConverter());
    }
}
