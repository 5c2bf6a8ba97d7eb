package io.portcullis.cli;

import io.portcullis.model.ResourceKind;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Reads a KIND argument (plural, singular, short name, kind, or with {@code .group}) or fails as a usage error. */
final class KindArgument {
    private KindArgument() {
    }

    static ResourceKind parse(CommandLine cmd, String argument) {
        return ResourceKind.fromArgument(argument).orElseThrow(() -> new ParameterException(cmd,
                "the resource type \"" + argument + "\" is not known (known: " + ResourceKind.allNames() + ")"));
    }
}
