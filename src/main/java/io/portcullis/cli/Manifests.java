package io.portcullis.cli;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        for (String arg : arguments) {
            if (arg.equals("-")) {
                try {
                    files.add(new SourceFile(STDIN, new String(stdin.readAllBytes(), StandardCharsets.UTF_8)));
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
                            files.add(file(f));
                        }
                    }
                } catch (IOException e) {
                    throw new CliException("error: cannot list " + p + ": " + e.getMessage());
                }
            } else if (Files.exists(p)) {
                files.add(file(p));
            } else {
                throw new CliException("error: the path \"" + arg + "\" does not exist");
            }
        }
        return files;
    }

    private static SourceFile file(Path p) {
        try {
            if (Files.size(p) > FolderLoader.MAX_FILE_BYTES) {
                throw new CliException("error: " + p + " is larger than " + FolderLoader.MAX_FILE_BYTES + " bytes");
            }
            return new SourceFile(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
        } catch (java.nio.charset.MalformedInputException e) {
            throw new CliException("error: " + p + " is not UTF-8 text");
        } catch (IOException e) {
            throw new CliException("error: cannot read " + p + ": " + e.getMessage());
        }
    }
}
