package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.ResourceKind;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code portcullis get KIND [NAME…]}: kubectl get against the running gateway. */
@Command(name = "get", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List or show resources of the running gateway (those of its configuration folder).",
                "KIND is a plural, singular or short name: serviceentries (se), virtualservices (vs),"
                        + " destinationrules (dr), gateways (gw), envoyfilters, authorizationpolicies, egressrules."},
        footer = {"", "Examples:", "  ./portcullis get serviceentries",
                "  ./portcullis get se googleapis -o yaml",
                "  ./portcullis get vs -A -o wide",
                "  ./portcullis get egressrules -o name",
                "", "Exit codes: 0 found (an empty list is not an error), 1 not found or refused, 2 usage error."})
public final class GetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Parameters(index = "0", paramLabel = "KIND", description = "The kind, e.g. serviceentries, se, vs, dr, gw.")
    String kindArgument;

    @Parameters(index = "1..*", paramLabel = "NAME", description = "Names to show; all when none.")
    List<String> names = new ArrayList<>();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace. Default: default.")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "List across all namespaces.")
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide, yaml, json or name.")
    String output;

    /** Ages are measured against this clock; tests replace it. */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        ResourceKind kind = KindArgument.parse(spec.commandLine(), kindArgument);
        if (output != null && !List.of("wide", "yaml", "json", "name").contains(output)) {
            throw new ParameterException(spec.commandLine(), "--output " + output
                    + " is not a known format (expected: wide, yaml, json or name)");
        }
        if (allNamespaces && !names.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "a resource cannot be retrieved by name across all namespaces (drop -A, use -n)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AdminClient client = server.client();
        String ns = allNamespaces ? null : namespace == null ? "default" : namespace;
        List<JsonNode> items = new ArrayList<>();
        boolean failed = false;
        if (names.isEmpty()) {
            AdminClient.Response r = client.list(kind, ns);
            ServerErrors.warnings(err, r.warnings());
            if (!r.ok()) {
                throw ServerErrors.refusal(r);
            }
            r.body().path("items").forEach(items::add);
        } else {
            List<String> warnings = new ArrayList<>();
            for (String name : names) {
                AdminClient.Response r = client.get(kind, ns, name);
                r.warnings().stream().filter(w -> !warnings.contains(w)).forEach(warnings::add);
                if (r.ok()) {
                    items.add(r.body());
                } else {
                    failed = true;
                    String message = r.status() == 404 ? kind.qualifiedPlural() + " \"" + name + "\" not found"
                            : r.body().path("message").asText();
                    err.println("Error from server (" + r.body().path("reason").asText("HTTP " + r.status()) + "): "
                            + message);
                }
            }
            ServerErrors.warnings(err, warnings);
        }
        print(kind, items, out, err);
        err.flush();
        return failed ? 1 : 0;
    }

    private void print(ResourceKind kind, List<JsonNode> items, PrintWriter out, PrintWriter err) {
        if (output != null && (output.equals("yaml") || output.equals("json"))) {
            JsonNode tree = names.size() == 1 && items.size() == 1 ? items.get(0) : list(items);
            out.print(output.equals("yaml") ? ObjectText.yaml(tree) : ObjectText.json(tree));
            out.flush();
            return;
        }
        if (items.isEmpty()) {
            if (names.isEmpty()) {
                err.println(allNamespaces ? "No resources found" : "No resources found in "
                        + (namespace == null ? "default" : namespace) + " namespace.");
            }
            return;
        }
        if ("name".equals(output)) {
            items.forEach(o -> out.println(kind.qualifiedSingular() + "/" + o.at("/metadata/name").asText()));
            out.flush();
            return;
        }
        List<KindColumns.Column> columns = KindColumns.of(kind, "wide".equals(output));
        List<String> headers = new ArrayList<>();
        if (allNamespaces) {
            headers.add("NAMESPACE");
        }
        columns.forEach(c -> headers.add(c.header()));
        headers.add("AGE");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode o : items) {
            List<String> row = new ArrayList<>();
            if (allNamespaces) {
                row.add(o.at("/metadata/namespace").asText());
            }
            columns.forEach(c -> row.add(c.cell().apply(o)));
            row.add(age(o.at("/metadata/creationTimestamp").asText("")));
            rows.add(row);
        }
        TablePrinter.print(out, headers, rows);
    }

    /** kubectl's list: {@code apiVersion: v1, kind: List, items: […]}, which {@code apply -f} reads back. */
    private static JsonNode list(List<JsonNode> items) {
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("apiVersion", "v1");
        ArrayNode a = list.putArray("items");
        items.forEach(a::add);
        list.put("kind", "List");
        list.putObject("metadata").put("resourceVersion", "");
        return list;
    }

    private String age(String timestamp) {
        try {
            return HumanDuration.of(Duration.between(Instant.parse(timestamp), clock.instant()));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }
}
