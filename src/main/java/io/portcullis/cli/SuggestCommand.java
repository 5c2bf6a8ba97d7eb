package io.portcullis.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portcullis suggest}: the ServiceEntries and AuthorizationPolicies the learned traffic needs. */
@Command(name = "suggest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the ServiceEntries and AuthorizationPolicies that the learned traffic needs, as YAML.",
                "ServiceEntries cover the undeclared destinations the running gateway saw (by name; several names"
                        + " under one domain as a *. wildcard; an address only for TCP without a name); for callers with"
                        + " an identity, an AuthorizationPolicy gives each exactly what it used. Each resource carries"
                        + " its evidence as comments."},
        footer = {"", "Examples:", "  ./portcullis suggest > learned.yaml && ./portcullis diff -f learned.yaml",
                "  ./portcullis suggest --since 1h --for spiffe://cluster.local/ns/shop/sa/orders",
                "  ./portcullis suggest -o json"})
public final class SuggestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--since", paramLabel = "DURATION", description = "Only destinations seen within this (e.g. 30m, 24h).")
    Duration since;

    @Option(names = "--for", paramLabel = "PRINCIPAL|NAMESPACE|ADDRESS",
            description = "Only what this caller used: a SPIFFE ID, a namespace, or a source address.")
    String forCaller;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "yaml",
            description = "yaml (ready to apply, with evidence comments) or json. Default: ${DEFAULT-VALUE}.")
    String output;

    @Override
    public Integer call() {
        if (!output.equals("yaml") && !output.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is not yaml or json");
        }
        AdminClient.Response r = server.client().suggestions(since == null ? null : since.toSeconds(), forCaller);
        ServerErrors.warnings(spec.commandLine().getErr(), r.warnings());
        if (!r.ok()) {
            throw ServerErrors.refusal(r);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.equals("yaml")) {
            out.print(r.body().path("yaml").asText());
        } else {
            ((ObjectNode) r.body()).remove("yaml");
            out.print(ObjectText.json(r.body()));
            out.println();
        }
        out.flush();
        return 0;
    }
}
