package io.portcullis.cli;

import io.portcullis.model.ParsedFile;
import io.portcullis.model.Problem;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portcullis validate -f FILE|DIR}: the gateway's validation, offline. */
@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Validate Istio resources offline, with the rules the gateway applies to its folder.",
                "Every file given is read as one configuration (cross-resource rules included). Needs no gateway."},
        footer = {"", "Examples:", "  ./portcullis validate -f ./egress/",
                "  ./portcullis validate -f examples/articles/13-redis-egress-gateway-invalid.yaml",
                "  ./portcullis validate --strict -f se.yaml -f vs.yaml",
                "", "Exit codes: 0 valid, 1 errors (or warnings with --strict), 2 usage error."})
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|DIR|-",
            description = "A YAML/JSON file, a folder of them, or - for stdin. Repeatable.")
    List<String> files;

    @Option(names = "--strict", description = "Fail on warnings too.")
    boolean strict;

    @Mixin
    StdinManifests manifests;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Each file is parsed as soon as it is read and its text dropped: what is held is the parsed
        // resources the rules between them need, not 50,000 texts. In name order, as the folder reads them.
        Map<String, ParsedFile> parsed = new TreeMap<>();
        manifests.each(files, f -> {
            if (!parsed.containsKey(f.name())) {
                parsed.put(f.name(), FolderLoader.parseFile(f.name(), f.text()));
            }
        });
        LoadResult result = FolderLoader.assemble(parsed, List.of());
        // Counted from the valid set (each resource once), not by cutting every file a second time.
        int resources = result.resources().all().size();
        for (Problem p : result.problems()) {
            err.println((p.isError() ? "error: " : "warning: ") + p);
        }
        int errors = result.errors().size();
        int warnings = result.warnings().size();
        String counts = errors + " error(s), " + warnings + " warning(s)";
        err.flush();
        if (errors > 0 || (strict && warnings > 0)) {
            err.println("invalid" + (errors == 0 ? " (--strict)" : "") + ": " + counts + " in " + parsed.size() + " file(s)");
            err.flush();
            return 1;
        }
        out.println("valid: " + resources + " resource(s) in " + parsed.size() + " file(s)"
                + (warnings > 0 ? ", " + warnings + " warning(s)" : ""));
        out.flush();
        return 0;
    }
}
