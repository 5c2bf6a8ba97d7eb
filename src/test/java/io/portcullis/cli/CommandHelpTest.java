package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.InJvmCli;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * What a newcomer meets first: {@code portcullis --help} lists every command with a summary that
 * reads whole, each command's own help has details and an example, and a command that does not
 * exist is a usage error however it is followed. Commands are found through picocli, so commands
 * added later are held to the same rules without changing this test.
 */
class CommandHelpTest {
    private static final InJvmCli CLI = InJvmCli.against(null);

    @Test
    void everySummaryIsAWholeSentenceAndTheDetailsStartANewOne() {
        Map<String, String[]> descriptions = descriptions();
        assertThat(descriptions).containsKeys("portcullis run", "portcullis apply", "portcullis ca issue");
        descriptions.forEach((name, description) -> {
            assertThat(description).as(name + " has a description").isNotEmpty();
            assertThat(summary(name)).as(name + "'s summary").endsWith(".").doesNotEndWith("...");
            List<String> details = List.of(description).subList(description[0].equals(summary(name)) ? 1 : 0,
                    description.length);
            details.stream().map(d -> d.replace("%n", "")).forEach(d -> assertThat(Character.isUpperCase(d.charAt(0)))
                    .as(name + "'s details start a sentence of their own: " + d).isTrue());
        });
    }

    @Test
    void theCommandListShowsEachSummaryWhole() {
        Cli.Result help = CLI.run("--help");
        assertThat(help.exitCode()).isZero();
        Map<String, String> listed = commandList(help.stdout());
        CommandLine top = Main.commandLine();
        assertThat(listed.keySet()).containsExactlyElementsOf(top.getSubcommands().keySet());
        top.getSubcommands().forEach((name, sub) ->
                assertThat(listed.get(name)).as(name).isEqualTo(summary(sub.getCommandSpec().qualifiedName())));
        assertThat(listed.get("delete")).isEqualTo("Delete resources from the running gateway and from its"
                + " configuration folder.");
    }

    @Test
    void everyCommandsHelpHasDetailsAndAnExample() {
        for (String name : descriptions().keySet()) {
            List<String> argv = new ArrayList<>(List.of(name.split(" ")).subList(1, name.split(" ").length));
            if (argv.isEmpty()) {
                continue;
            }
            argv.add("--help");
            Cli.Result help = CLI.run(argv.toArray(new String[0]));
            assertThat(help.exitCode()).as(name + " --help").isZero();
            assertThat(help.stdout()).as(name + " --help").contains("Usage: " + name)
                    .containsPattern("(?m)^Examples?:$")
                    .contains("./portcullis " + name.substring("portcullis ".length()));
            assertThat(help.stdout().lines()).as(name + " --help: no line wider than the terminal")
                    .allMatch(l -> l.length() <= 80);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo --help", "demo", "frobnicate -x", "frobnicate --server http://x -o yaml", "demo -h"})
    void anUnknownCommandIsAUsageErrorThatNamesIt(String args) {
        Cli.Result r = CLI.run(args.split(" "));
        String word = args.split(" ")[0];
        assertThat(r.exitCode()).as(args).isEqualTo(2);
        assertThat(r.stdout()).as("no help printed as if all were well").isEmpty();
        assertThat(r.stderr()).startsWith("error: unknown command \"" + word + "\" for \"portcullis\"")
                .contains("run, apply, get")
                .contains("See 'portcullis --help'");
    }

    @Test
    void anUnknownSubcommandOfCaIsNamedToo() {
        Cli.Result r = CLI.run("ca", "renew", "--help");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).startsWith("error: unknown command \"renew\" for \"portcullis ca\" (commands: init, issue)");
    }

    @Test
    void unknownOptionsAndExtraWordsAfterAKnownCommandStayUsageErrors() {
        assertThat(CLI.run("--bogus").stderr()).startsWith("error: Unknown option: '--bogus'");
        Cli.Result extra = CLI.run("validate", "stray", "--help");
        assertThat(extra.exitCode()).isEqualTo(2);
        assertThat(extra.stdout()).isEmpty();
        assertThat(CLI.run("validate", "--help").exitCode()).isZero();
    }

    /** What picocli lists a command by: the first line of its header, else of its description. */
    private static String summary(String qualifiedName) {
        CommandLine cmd = Main.commandLine();
        for (String word : qualifiedName.split(" ")) {
            if (!word.equals("portcullis")) {
                cmd = cmd.getSubcommands().get(word);
            }
        }
        CommandLine.Model.UsageMessageSpec usage = cmd.getCommandSpec().usageMessage();
        return usage.header().length > 0 ? usage.header()[0] : usage.description()[0];
    }

    /** Every command below {@code portcullis}, by qualified name, with its description lines. */
    private static Map<String, String[]> descriptions() {
        Map<String, String[]> out = new LinkedHashMap<>();
        collect(Main.commandLine(), out);
        return out;
    }

    private static void collect(CommandLine cmd, Map<String, String[]> out) {
        out.put(cmd.getCommandSpec().qualifiedName(), cmd.getCommandSpec().usageMessage().description());
        cmd.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    /** The "Commands:" section, each entry's wrapped lines joined back into one. */
    private static Map<String, String> commandList(String help) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        boolean inList = false;
        for (String line : help.lines().toList()) {
            if (line.equals("Commands:")) {
                inList = true;
            } else if (inList && line.isBlank()) {
                break;
            } else if (inList && line.startsWith("  ") && !line.startsWith("   ")) {
                String[] parts = line.trim().split("\\s+", 2);
                current = parts[0];
                out.put(current, parts[1]);
            } else if (inList && current != null) {
                out.put(current, out.get(current) + " " + line.trim());
            }
        }
        return out;
    }
}
