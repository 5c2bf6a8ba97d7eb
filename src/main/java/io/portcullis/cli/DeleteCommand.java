package io.portcullis.cli;

import io.portcullis.model.RawFile;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.PrintWriter;
import io.portcullis.cli.AdminClient.Target;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code portcullis delete KIND NAME… | -f FILE}: kubectl delete against the running gateway. */
@Command(name = "delete", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Delete resources from the running gateway and from its configuration folder.",
                "Name them by kind and name, or by the documents of files (-f). Those that exist are deleted as"
                        + " one change, warned about by the configuration it ends with; the gateway stops allowing"
                        + " what they declared before this command returns."},
        footer = {"", "Examples:", "  ./portcullis delete serviceentry googleapis",
                "  ./portcullis delete se googleapis books -n team-a",
                "  ./portcullis delete -f examples/articles/05-mongo-tcp-via-egress-gateway.yaml --ignore-not-found",
                "", "Output: serviceentry.networking.istio.io \"googleapis\" deleted",
                "", "Exit codes: 0 deleted, 1 not found (unless --ignore-not-found) or refused, 2 usage error."})
public final class DeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Parameters(paramLabel = "KIND NAME", description = "A kind, then one or more names.")
    List<String> arguments = new ArrayList<>();

    @Option(names = {"-f", "--filename"}, paramLabel = "FILE|DIR|-",
            description = "Delete the resources these files declare. Repeatable.")
    List<String> files = new ArrayList<>();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace. Default: default.")
    String namespace;

    @Option(names = "--ignore-not-found", description = "A resource that does not exist is not an error.")
    boolean ignoreNotFound;

    @Option(names = "--dry-run", description = "Report what would be deleted; delete nothing.")
    boolean dryRun;

    @Mixin
    StdinManifests manifests;

    /**
     * Every target in one request: the gateway deletes those that exist as one change and warns
     * only of the configuration it ends with (a Gateway deleted with its VirtualService warns of
     * neither), as {@code apply} does; output and exit codes are kubectl's, resource by resource.
     */
    @Override
    public Integer call() {
        List<Target> targets = targets();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AdminClient.Response r = server.client().deleteAll(targets, dryRun);
        ServerErrors.warnings(err, r.warnings());
        if (!r.ok()) {
            err.println(ServerErrors.refusal(r).getMessage());
            err.flush();
            return 1;
        }
        Set<String> notFound = new HashSet<>();
        r.body().path("notFound").forEach(n -> notFound.add(n.path("kind").asText() + "/"
                + n.path("namespace").asText() + "/" + n.path("name").asText()));
        boolean failed = false;
        Set<Target> reported = new HashSet<>();
        for (Target t : targets) {
            if (!reported.add(t)) {
                continue;
            }
            if (!notFound.contains(t.kind().kind() + "/" + t.namespace() + "/" + t.name())) {
                out.println(t.kind().qualifiedSingular() + " \"" + t.name() + "\" deleted" + (dryRun ? " (server dry run)" : ""));
            } else if (!ignoreNotFound) {
                failed = true;
                err.println("Error from server (NotFound): " + t.kind().qualifiedPlural() + " \"" + t.name()
                        + "\" not found");
            }
        }
        out.flush();
        err.flush();
        return failed ? 1 : 0;
    }

    private List<Target> targets() {
        String ns = namespace == null ? "default" : namespace;
        List<Target> targets = new ArrayList<>();
        if (!files.isEmpty()) {
            if (!arguments.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "give either KIND NAME... or -f FILE, not both");
            }
            for (SourceFile f : manifests.read(files)) {
                RawFile raw = RawFile.split(f.name(), f.text());
                if (raw.segments().stream().anyMatch(s -> !s.readable())) {
                    throw new CliException("error: " + f.name() + " holds a document that is not a resource"
                            + " (portcullis validate -f " + f.name() + " says why)");
                }
                for (RawFile.RawObject o : raw.objects()) {
                    ResourceKind kind = ResourceKind.of(o.apiVersion(), o.id().kind()).orElseThrow(() -> new CliException(
                            "error: " + f.name() + ": " + o.id().kind() + " (" + o.apiVersion() + ") is not a kind the"
                                    + " gateway stores"));
                    String given = o.tree().path("metadata").path("namespace").asText("");
                    targets.add(new Target(kind, given.isEmpty() ? ns : given, o.id().name()));
                }
            }
            if (targets.isEmpty()) {
                throw new CliException("error: no resources found in " + String.join(", ", files));
            }
            return targets;
        }
        if (arguments.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give KIND NAME... or -f FILE");
        }
        ResourceKind kind = KindArgument.parse(spec.commandLine(), arguments.get(0));
        if (arguments.size() < 2) {
            throw new ParameterException(spec.commandLine(), "resource(s) were provided, but no name was specified");
        }
        arguments.subList(1, arguments.size()).forEach(name -> targets.add(new Target(kind, ns, name)));
        return targets;
    }
}
