package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.RawFile;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portcullis apply -f FILE|DIR|-}: kubectl apply against the running gateway, all or nothing. */
@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create or replace resources in the running gateway, from files, a folder or stdin.",
                "All documents of all files are applied together or not at all: one bad document and nothing"
                        + " changes, every error is printed and the exit code is 1. The gateway writes them into its"
                        + " configuration folder (one file per resource) and follows them before this command returns."},
        footer = {"", "Examples:", "  ./portcullis apply -f examples/articles/01-https-googleapis-serviceentry.yaml",
                "  ./portcullis apply -f ./egress/ -n team-a",
                "  ./portcullis get se googleapis -o yaml | sed 's/443/8443/' | ./portcullis apply -f -",
                "", "Output, one line per resource:",
                "  serviceentry.networking.istio.io/googleapis created|configured|unchanged",
                "", "Exit codes: 0 applied, 1 refused (nothing applied), 2 usage error."})
public final class ApplyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|DIR|-",
            description = "A YAML/JSON file (multi-document), a folder of them, or - for stdin. Repeatable.")
    List<String> files;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Namespace of the documents that name none. Default: default.")
    String namespace;

    @Option(names = "--dry-run", description = "Validate against the gateway's configuration; change nothing.")
    boolean dryRun;

    @Option(names = "--refuse-cuts", description = {"First replay the recent connections against the change (as diff",
            "does) and apply nothing when something allowed now would be denied."})
    boolean refuseCuts;

    @Mixin
    StdinManifests manifests;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<SourceFile> sources = manifests.read(files);
        checkNamespaces(sources);
        if (refuseCuts) {
            JsonNode diff = DiffCommand.run(server.client(), sources, namespace, null, err);
            if (diff.path("cuts").asLong() > 0) {
                DiffCommand.print(err, diff);
                err.println("error: nothing applied (--refuse-cuts): the change would refuse connections allowed now");
                err.flush();
                return 1;
            }
        }
        AdminClient.Response r = server.client().apply(sources, namespace == null ? "default" : namespace, dryRun);
        ServerErrors.warnings(err, r.warnings());
        if (!r.ok()) {
            throw ServerErrors.refusal(r);
        }
        ServerErrors.problems(err, r.body().path("warnings"));
        for (JsonNode result : r.body().path("results")) {
            String qualified = ResourceKind.ofGroup(result.path("group").asText(), result.path("kind").asText())
                    .map(ResourceKind::qualifiedSingular).orElse(result.path("kind").asText());
            out.println(qualified + "/" + result.path("name").asText() + " " + result.path("action").asText()
                    + (dryRun ? " (server dry run)" : ""));
        }
        out.flush();
        return 0;
    }

    /** kubectl's rule: with -n, a document that names another namespace is an error, not a silent move. */
    private void checkNamespaces(List<SourceFile> sources) {
        if (namespace == null) {
            return;
        }
        for (SourceFile f : sources) {
            for (RawFile.RawObject o : RawFile.split(f.name(), f.text()).objects()) {
                String given = o.tree().path("metadata").path("namespace").asText("");
                if (!given.isEmpty() && !given.equals(namespace)) {
                    throw new CliException("error: the namespace from the provided object \"" + given + "\" does not"
                            + " match the namespace \"" + namespace + "\" (" + f.name() + ", " + o.id().kind() + " "
                            + o.id().name() + "); pass --namespace=" + given + " or leave -n out");
                }
            }
        }
    }
}
