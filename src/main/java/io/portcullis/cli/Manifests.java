package io.portcullis.cli;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The files {@code -f} names, read as text: a file, a folder (its {@code *.yaml}, {@code *.yml} and
 * {@code *.json} files, not sub-folders, as the gateway reads its own folder), or {@code -} for
 * stdin. Names are kept as the user wrote them, so errors point at their files.
 */
final class Manifests {
    /** The name stdin's text goes by in messages. */
    static final String STDIN = "STDIN";

    private Manifests() {
    }

    static List<SourceFile> read(List<String> arguments, InputStream stdin) {
        List<SourceFile> files = new ArrayList<>();
        each(arguments, stdin, files::add);
        return files;
    }

    /** As {@link #read}, handing on each file as soon as it is read: a reader that keeps no text holds one at a time. */
    static void each(List<String> arguments, InputStream stdin, Consumer<SourceFile> files) {
        for (String arg : arguments) {
            if (arg.equals("-")) {
                try {
                    files.accept(new SourceFile(STDIN, text(STDIN, stdin)));
                } catch (IOException e) {
                    throw new CliException("error: cannot read stdin: " + e.getMessage());
                }
                continue;
            }
            Path p = Path.of(arg);
            if (Files.isDirectory(p)) {
                try (Stream<Path> list = Files.list(p)) {
                    for (Path f : list.sorted().toList()) {
                        if (Files.isRegularFile(f) && FolderLoader.isConfigFileName(f.getFileName().toString())) {
                            files.accept(file(f));
                        }
                    }
                } catch (IOException e) {
                    throw new CliException("error: cannot list " + p + ": " + e.getMessage());
                }
            } else if (Files.exists(p)) {
                files.accept(file(p));
            } else {
                throw new CliException("error: the path \"" + arg + "\" does not exist");
            }
        }
    }

    /** The text of a file or stdin: at most {@link FolderLoader#MAX_FILE_BYTES}, strict UTF-8 (as the folder reads it). */
    private static String text(String name, InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(FolderLoader.MAX_FILE_BYTES + 1);
        if (bytes.length > FolderLoader.MAX_FILE_BYTES) {
            throw new CliException("error: " + name + " is larger than " + FolderLoader.MAX_FILE_BYTES / (1024 * 1024)
                    + " MiB (" + FolderLoader.MAX_FILE_BYTES + " bytes); refused");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new CliException("error: " + name + " is not UTF-8 text");
        }
    }

    private static SourceFile file(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            return new SourceFile(p.toString(), text(p.toString(), in));
        } catch (IOException e) {
            throw new CliException("error: cannot read " + p + ": " + e.getMessage());
        }
    }
}
