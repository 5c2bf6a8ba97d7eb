package io.portcullis.cli;

import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.InputStream;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Command;

/**
 * The one way a command reads the files {@code -f} names, {@code -} for stdin: a picocli mixin
 * ({@code @Mixin StdinManifests manifests}) that {@link Main}'s factory gives the stdin of the
 * command line (tests give their own), read by {@link Manifests} with its messages. A bare
 * {@code @Command}: picocli takes as a mixin only a class with some annotation, and this one adds no
 * option of its own (each command words its {@code -f} itself).
 */
@Command
final class StdinManifests implements ReadsStdin {
    private InputStream stdin = System.in;

    @Override
    public void stdin(InputStream in) {
        this.stdin = in;
    }

    /** The files {@code arguments} name, {@code -} read from stdin; a {@link CliException} saying which cannot be read. */
    List<SourceFile> read(List<String> arguments) {
        return Manifests.read(arguments, stdin);
    }

    /** Each file {@code arguments} name, handed on as soon as it is read (see {@link Manifests#each}). */
    void each(List<String> arguments, Consumer<SourceFile> files) {
        Manifests.each(arguments, stdin, files);
    }
}
