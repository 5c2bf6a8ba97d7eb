package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.learn.Learner;
import io.portcullis.learn.VerdictDiff;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.store.ApplyRequest;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.FolderStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code POST /diff[?namespace=NS][&outboundPolicy=REGISTRY_ONLY]}, with the body of {@code POST /apply}:
 * the recent connections decided again under the configuration the folder would hold with these
 * resources applied (and, when asked, another outbound policy: the move to REGISTRY_ONLY), and
 * those whose verdict would change ({@link VerdictDiff}). Nothing is written. Answers
 * {@code {"kind":"Diff","replayed":N,"cuts":N,"changes":[…]}}, or the refusals {@code apply}
 * would give.
 */
final class DiffRoute extends EndpointRoute {
    private final Learner learner;
    private final Supplier<EgressPolicy> policy;
    private final Optional<FolderStore> store;
    private final StoreExecutor executor;

    DiffRoute(Learner learner, Supplier<EgressPolicy> policy, Optional<FolderStore> store, StoreExecutor executor) {
        super("/diff", "POST");
        this.learner = learner;
        this.policy = policy;
        this.store = store;
        this.executor = executor;
    }

    @Override
    CompletableFuture<AdminResponse> answer(AdminRequest r) {
        if (store.isEmpty()) {
            return CompletableFuture.completedFuture(StoreExecutor.json(501, ApiBodies.status(501, "NotImplemented",
                    "diff previews a change against the configuration folder; this gateway reads its resources from"
                            + " the Kubernetes API, so preview there with kubectl apply --dry-run=server", List.of())));
        }
        OutboundPolicy mode;
        try {
            String m = r.param("outboundPolicy");
            mode = m == null || m.isBlank() ? null : OutboundPolicy.valueOf(m.strip());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(StoreExecutor.json(400, ApiBodies.status(400, "BadRequest",
                    "outboundPolicy: \"" + r.param("outboundPolicy") + "\" is not REGISTRY_ONLY or ALLOW_ANY", List.of())));
        }
        return executor.submit(() -> {
            LoadResult after = store.get().preview(new ApplyRequest(ApplyRoute.files(r), ApplyRoute.namespace(r),
                    Mode.APPLY, true));
            EgressPolicy current = policy.get();
            EgressPolicy candidate = EgressPolicy.compile(after.resources(),
                    mode != null ? mode : current.outboundPolicy(), io.portcullis.policy.GatewayLabels.unset(),
                    current.ownNamespace());
            VerdictDiff.Result result = VerdictDiff.compare(learner.recent().snapshot(), current, candidate);
            return BodyFormat.tree(r, 200, body(result, learner.recent().capacity()), List.of());
        });
    }

    static ObjectNode body(VerdictDiff.Result result, int ringSize) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("kind", "Diff").put("replayed", result.replayed()).put("recentConnectionsKept", ringSize)
                .put("cuts", result.cuts()).put("opens", result.changes().size() - result.cuts());
        ArrayNode changes = o.putArray("changes");
        for (VerdictDiff.Change c : result.changes()) {
            changes.addObject().put("destination", c.destination()).put("port", c.port()).put("caller", c.caller())
                    .put("before", c.allowedBefore() ? "allowed" : "denied").put("reasonBefore", c.reasonBefore())
                    .put("after", c.allowedAfter() ? "allowed" : "denied").put("reasonAfter", c.reasonAfter())
                    .put("messageAfter", c.messageAfter()).put("connections", c.connections())
                    .put("lastSeen", Instant.ofEpochMilli(c.lastSeen()).toString());
        }
        return o;
    }
}
