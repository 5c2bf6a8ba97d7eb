package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.ObjectText;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portcullis diff -f FILE|DIR}: what applying these files would do to recent traffic. Nothing is applied. */
@Command(name = "diff", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show which recent connections these files would allow or cut, without applying them.",
                "The connections the running gateway saw recently are replayed against its configuration with the"
                        + " files applied; those whose verdict would change are printed (allowed -> denied first),"
                        + " grouped by destination and caller, with the reason each would get."},
        footer = {"", "Examples:", "  ./portcullis suggest > learned.yaml && ./portcullis diff -f learned.yaml",
                "  ./portcullis diff -f ./egress/",
                "  ./portcullis diff -f learned.yaml --outbound-policy REGISTRY_ONLY   # before leaving ALLOW_ANY", "",
                "Exit codes: 0 nothing allowed would be denied, 1 something would be cut (or refused), 2 usage error."})
public final class DiffCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|DIR|-",
            description = "A YAML/JSON file, a folder of them, or - for stdin. Repeatable.")
    List<String> files;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace of documents that name none.")
    String namespace;

    @Option(names = "--outbound-policy", paramLabel = "MODE",
            description = "Decide the candidate under this outbound policy (REGISTRY_ONLY: before leaving ALLOW_ANY).")
    io.portcullis.policy.OutboundPolicy outboundPolicy;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json instead of text.")
    String output;

    @Mixin
    StdinManifests manifests;

    @Override
    public Integer call() {
        if (output != null && !output.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is not json");
        }
        List<SourceFile> sources = manifests.read(files);
        JsonNode diff = run(server.client(), sources, namespace, outboundPolicy == null ? null : outboundPolicy.name(),
                spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        if ("json".equals(output)) {
            out.println(ObjectText.json(diff));
        } else {
            print(out, diff);
        }
        out.flush();
        return diff.path("cuts").asLong() > 0 ? 1 : 0;
    }

    /** Asks the gateway for the diff; a refusal (invalid files) becomes the usual error. */
    static JsonNode run(AdminClient client, List<SourceFile> sources, String namespace, String outboundPolicy,
                        PrintWriter err) {
        AdminClient.Response r = client.diff(sources, namespace == null ? "default" : namespace, outboundPolicy);
        ServerErrors.warnings(err, r.warnings());
        if (!r.ok()) {
            throw ServerErrors.refusal(r);
        }
        return r.body();
    }

    static void print(PrintWriter out, JsonNode d) {
        out.println("replayed " + d.path("replayed").asLong() + " recent connection(s) (the gateway keeps the last "
                + d.path("recentConnectionsKept").asLong() + "): " + d.path("cuts").asLong() + " change(s) would cut"
                + " traffic, " + d.path("opens").asLong() + " would open it");
        for (JsonNode c : d.path("changes")) {
            boolean cut = c.path("before").asText().equals("allowed");
            out.println((cut ? "- CUT   " : "+ OPEN  ") + c.path("destination").asText() + ":" + c.path("port").asInt()
                    + "  from " + c.path("caller").asText() + "  x" + c.path("connections").asInt()
                    + " (last " + c.path("lastSeen").asText() + ")");
            out.println("        " + c.path("before").asText() + " (" + c.path("reasonBefore").asText() + ") -> "
                    + c.path("after").asText() + " (" + c.path("reasonAfter").asText() + "): "
                    + c.path("messageAfter").asText());
        }
    }
}
