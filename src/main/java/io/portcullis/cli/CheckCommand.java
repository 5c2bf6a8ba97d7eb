package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.AddressText;
import io.portcullis.model.ObjectText;
import io.portcullis.policy.CheckQuery;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portcullis check --to HOST:PORT}: why would the gateway allow or refuse this connection? */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Ask the running gateway what it would do with a connection, and why.",
                "It answers with the decision and its reason, the resources that allow it, and for a refusal the"
                        + " nearest resource that almost matched (the right host on another port, a wildcard that"
                        + " does not cover the bare domain...)."},
        footer = {"", "Examples:", "  ./portcullis check --to www.googleapis.com:443",
                "  ./portcullis check --to 10.0.0.5:27017",
                "  ./portcullis check --to 127.0.0.1:443 --sni mongo.example.test   # a TLS passthrough listener",
                "  ./portcullis check --to api.example.com:443 --from spiffe://cluster.local/ns/team-a/sa/app",
                "  ./portcullis check --to api.example.com:80 --method DELETE --path /v1/items   # an HTTP request",
                "", "Exit codes (as kubectl auth can-i): 0 allowed, 1 denied or refused, 2 usage error."})
public final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--to", required = true, paramLabel = "HOST:PORT",
            description = "The destination, as a client would CONNECT to it ([v6-address]:PORT for IPv6).")
    String to;

    @Option(names = "--sni", paramLabel = "NAME",
            description = "The SNI of the connection's ClientHello (decides on a Gateway TLS passthrough listener).")
    String sni;

    @Option(names = "--from", paramLabel = "PRINCIPAL",
            description = "The calling workload's identity, e.g. spiffe://cluster.local/ns/default/sa/app.")
    String from;

    @Option(names = "--from-namespace", paramLabel = "NS",
            description = "The calling workload's namespace (default: the namespace of --from, else the gateway's own),"
                    + " which exportTo and the namespace's Sidecar scope.")
    String fromNamespace;

    @Option(names = "--method", paramLabel = "METHOD",
            description = "Ask about an HTTP request through the explicit proxy (GET, POST...) rather than a CONNECT:"
                    + " AuthorizationPolicy methods and paths apply to it.")
    String method;

    @Option(names = "--path", paramLabel = "PATH", description = "That request's path, e.g. /v1/items?x=1 (default /).")
    String path;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json or yaml instead of text.")
    String output;

    @Override
    public Integer call() {
        CheckQuery query;
        try {
            query = CheckQuery.parse(to, sni, from, fromNamespace);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--to: " + e.getMessage());
        }
        try {
            query = query.withRequest(method, path);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--method/--path: " + e.getMessage());
        }
        if (output != null && !output.equals("json") && !output.equals("yaml")) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is not json or yaml");
        }
        AdminClient.Response r = server.client().check(to, sni, from, fromNamespace, query.method(), query.path());
        PrintWriter out = spec.commandLine().getOut();
        ServerErrors.warnings(spec.commandLine().getErr(), r.warnings());
        if (!r.ok()) {
            throw ServerErrors.refusal(r);
        }
        JsonNode b = r.body();
        if (output != null) {
            out.print(output.equals("json") ? ObjectText.json(b) : ObjectText.yaml(b));
        } else {
            print(out, AddressText.hostPort(query.host(), query.port()), b);
        }
        out.flush();
        return b.path("allowed").asBoolean() ? 0 : 1;
    }

    private static void print(PrintWriter out, String to, JsonNode b) {
        out.println((b.path("allowed").asBoolean() ? "ALLOWED" : "DENIED") + "  " + to + "  via "
                + b.path("path").asText());
        out.println("reason:   " + b.path("reason").asText() + ": " + b.path("message").asText());
        if (!b.path("upstream").isEmpty()) {
            StringBuilder up = new StringBuilder();
            b.path("upstream").forEach(u -> up.append(up.length() == 0 ? "" : ", ").append(u.asText()));
            out.println("upstream: " + up);
        }
        section(out, "matched:", b.path("matched"));
        section(out, "nearest:", b.path("nearMisses"));
        if (!b.path("allowed").asBoolean() && b.path("nearMisses").isEmpty()) {
            out.println("nearest:  none: no resource declares this host or address on any port, nor another host of its domain");
        }
        b.path("notes").forEach(n -> out.println("note:     " + n.asText()));
    }

    private static void section(PrintWriter out, String title, JsonNode findings) {
        boolean first = true;
        for (JsonNode f : findings) {
            out.println(String.format("%-10s%s  %s", first ? title : "", f.path("resource").asText(),
                    f.path("detail").asText()));
            first = false;
        }
    }
}
