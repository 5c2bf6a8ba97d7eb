package io.portcullis.sources;

import io.portcullis.model.CredentialBinder;
import io.portcullis.model.ParsedFile;
import io.portcullis.model.Problem;
import io.portcullis.model.Resource;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceParser;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.ResourceSetValidator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Loads a configuration folder: every {@code *.yaml}, {@code *.yml} and {@code *.json} file
 * directly in it (not in subfolders; names starting with {@code .} are skipped, as editors and
 * the admin API's temporary files use them), in file-name order, which is also the order of
 * precedence. The resources of all files form one {@link ResourceSet}; it is validated whole.
 * Never throws for bad input: unreadable, oversized or malformed files are reported as errors.
 * Stateless and thread-safe; does blocking file I/O, so never call it on an event loop.
 */
public final class FolderLoader {
    /** Larger files are refused unread: configuration is never this big, and memory is not unbounded. */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private FolderLoader() {
    }

    public static LoadResult load(Path dir) {
        FolderFiles files = readFiles(dir);
        return parseAll(new TreeMap<>(files.texts()), new ArrayList<>(files.problems()));
    }

    /**
     * The configuration files of a folder, read but not parsed: for a writer that changes some of
     * them and validates the result with {@link #fromFiles} before writing anything.
     */
    public static FolderFiles readFiles(Path dir) {
        List<Problem> problems = new ArrayList<>();
        SortedMap<String, String> texts = new TreeMap<>();
        if (dir == null || !Files.isDirectory(dir)) {
            String what = dir == null ? "no folder given" : Files.exists(dir) ? "not a folder" : "no such folder";
            problems.add(Problem.error(String.valueOf(dir), null, null, what));
            return new FolderFiles(texts, problems);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (isConfigFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(Problem.error(dir.toString(), null, null, "cannot list the folder: " + describe(e)));
            return new FolderFiles(texts, problems);
        }
        for (Path p : files) {
            String name = dir.relativize(p).toString();
            try {
                texts.put(name, readText(p));
            } catch (IOException | RuntimeException e) {
                problems.add(Problem.error(name, null, null, "cannot read: " + describe(e)));
            }
        }
        return new FolderFiles(texts, problems);
    }

    /** The readable configuration files of a folder by name, and a problem for each that is not. */
    public record FolderFiles(SortedMap<String, String> texts, List<Problem> problems) {
        public FolderFiles {
            texts = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(texts));
            problems = List.copyOf(problems);
        }
    }

    /**
     * Loads files given as text, as if they were the files of one folder: for tests, the admin
     * API's validation and any other source that has text rather than a folder.
     *
     * @param fileNameToText file name (which selects JSON or YAML by its suffix) to content
     */
    public static LoadResult fromFiles(Map<String, String> fileNameToText) {
        return fromFiles(fileNameToText, List.of());
    }

    /** As {@link #fromFiles(Map)}, with problems already found (e.g. files that could not be read) added first. */
    public static LoadResult fromFiles(Map<String, String> fileNameToText, List<Problem> earlier) {
        List<Problem> problems = new ArrayList<>(earlier);
        SortedMap<String, String> texts = new TreeMap<>();
        if (fileNameToText != null) {
            fileNameToText.forEach((name, text) -> {
                if (name == null) {
                    problems.add(Problem.error(null, null, null, "a file without a name was given"));
                } else {
                    texts.put(name, text);
                }
            });
        }
        return parseAll(texts, problems);
    }

    private static LoadResult parseAll(SortedMap<String, String> texts, List<Problem> problems) {
        SortedMap<String, ParsedFile> parsed = new TreeMap<>();
        texts.forEach((file, text) -> parsed.put(file, parseFile(file, text)));
        return assemble(parsed, problems);
    }

    /**
     * Parses one file's text, refusing text larger than {@link #MAX_FILE_BYTES}: text handed in
     * directly (admin API) gets the same bound as a file on disk.
     */
    public static ParsedFile parseFile(String file, String text) {
        if (text != null && text.length() > MAX_FILE_BYTES) {
            return new ParsedFile(List.of(), List.of(Problem.error(file, null, null, "larger than "
                    + MAX_FILE_BYTES / (1024 * 1024) + " MiB; refused")));
        }
        return ResourceParser.parse(file, text);
    }

    /**
     * The resources of parsed files, in file-name order, as one set validated whole: what
     * {@link ParsedFolder} uses so that unchanged files are not parsed again.
     *
     * @param files   by name, iterated in file-name order (a sorted map, or a linked one filled in that order)
     * @param earlier problems already found (e.g. files that could not be read), reported first
     */
    public static LoadResult assemble(Map<String, ParsedFile> files, List<Problem> earlier) {
        List<Problem> problems = new ArrayList<>(earlier);
        List<Resource> resources = new ArrayList<>();
        Map<ResourceId, String> origins = new LinkedHashMap<>();
        files.forEach((file, parsed) -> {
            problems.addAll(parsed.problems());
            for (Resource r : parsed.resources()) {
                String first = origins.putIfAbsent(r.id(), file);
                if (first == null) {
                    resources.add(r);
                } else {
                    String where = first.equals(file) ? "earlier in this file" : "in " + first;
                    problems.add(Problem.error(file, r.id(), "metadata.name",
                            r.id() + " is already defined " + where + "; each resource may be defined once"));
                }
            }
        });
        CredentialBinder.Bound bound = CredentialBinder.bind(ResourceSet.of(resources, origins));
        ResourceSet set = bound.set();
        problems.addAll(ResourceSetValidator.validate(set));
        problems.addAll(bound.problems());
        LoadResult result = new LoadResult(set, problems);
        return result.hasErrors() ? new LoadResult(ResourceSet.EMPTY, problems) : result;
    }

    /** Whether the loader reads {@code fileName}: {@code *.yaml}, {@code *.yml}, {@code *.json}, not hidden. */
    public static boolean isConfigFileName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        return !fileName.startsWith(".") && (lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json"));
    }

    private static boolean isConfigFile(Path p) {
        return isConfigFileName(p.getFileName().toString()) && Files.isRegularFile(p);
    }

    static String describe(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file (removed while loading?)";
        }
        if (e.getMessage() == null) {
            return e.getClass().getSimpleName();
        }
        return e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")");
    }

    /** Reads at most one byte past the limit, so a file that grows while being read is still refused. */
    static String readText(Path p) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IOException("larger than " + MAX_FILE_BYTES / (1024 * 1024) + " MiB; refused");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            // The decoder's own detail ("Input length = 1") helps nobody.
            throw new IOException("not UTF-8 text");
        }
    }
}
