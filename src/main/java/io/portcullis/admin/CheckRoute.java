package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.policy.CheckQuery;
import io.portcullis.policy.Verdict;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Explanation;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.policy.UpstreamTarget;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code GET /check?to=HOST:PORT[&sni=NAME][&from=PRINCIPAL][&namespace=NS][&method=M][&path=P]}: what the running gateway would do
 * with such a connection, and why ({@link EgressPolicy#explain}), against the configuration in
 * force now. Pure computation on the current snapshot: answered on the admin event loop.
 */
final class CheckRoute extends EndpointRoute {
    private final Supplier<EgressPolicy> policy;
    private final PrivateAddressGuard guard;

    CheckRoute(Supplier<EgressPolicy> policy, PrivateAddressGuard guard) {
        super("/check", "GET");
        this.policy = policy;
        this.guard = guard;
    }

    @Override
    CompletableFuture<AdminResponse> answer(AdminRequest r) {
        CheckQuery q;
        try {
            q = CheckQuery.parse(r.param("to"), r.param("sni"), r.param("from"), r.param("namespace"));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(StoreExecutor.json(400, ApiBodies.status(400, "BadRequest",
                    "to: " + e.getMessage(), List.of())));
        }
        try {
            q = q.withRequest(r.param("method"), r.param("path"));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(StoreExecutor.json(400, ApiBodies.status(400, "BadRequest",
                    e.getMessage(), List.of())));
        }
        return CompletableFuture.completedFuture(BodyFormat.tree(r, 200, body(q, policy.get().explain(q, guard)), List.of()));
    }

    private static ObjectNode body(CheckQuery q, Explanation e) {
        Verdict d = e.decision();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("kind", "CheckResult").put("host", q.host()).put("port", q.port());
        if (q.sni() != null) {
            o.put("sni", q.sni());
        }
        if (q.method() != null) {
            o.put("method", q.method());
        }
        if (q.path() != null) {
            o.put("path", q.path());
        }
        if (q.source() != null) {
            o.put("from", q.source());
        }
        if (e.callerNamespace() != null) {
            o.put("namespace", e.callerNamespace());
        }
        o.put("path", e.path()).put("allowed", d.allowed()).put("reason", d.reason().code()).put("message", d.message());
        ArrayNode upstream = o.putArray("upstream");
        if (d instanceof Verdict.Forward f) {
            for (UpstreamTarget.Candidate c : f.target().candidates()) {
                upstream.add(c.toString());
            }
        }
        findings(o.putArray("matched"), e.matched());
        findings(o.putArray("nearMisses"), e.nearMisses());
        e.notes().forEach(o.putArray("notes")::add);
        return o;
    }

    private static void findings(ArrayNode out, List<Explanation.Finding> findings) {
        for (Explanation.Finding f : findings) {
            out.addObject().put("resource", f.resource().toString()).put("detail", f.detail());
        }
    }
}
