package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.learn.CandidateView;
import io.portcullis.learn.Learner;
import io.portcullis.learn.Observation;
import io.portcullis.learn.RateSeries;
import io.portcullis.learn.SuggestionBuilder;
import io.portcullis.learn.SuggestionYaml;
import io.portcullis.learn.Suggestions;
import io.portcullis.policy.EgressPolicy;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /ui/state}: what the live view draws when it opens and refreshes: the blocked
 * destinations with their callers, reasons and suggested ServiceEntry, the plots' points, the
 * latest flows (newest first), all suggestions, and whether "Allow" may write. Computed from
 * copies on the admin loop (no I/O).
 */
final class UiStateRoute implements AdminRoute {
    private static final int FLOWS = 200;
    /** Blocked destinations shown, most recently seen first (each carries its own suggestion). */
    private static final int BLOCKED = 50;

    private final LearnApi api;
    private final boolean writable;

    UiStateRoute(LearnApi api, boolean writable) {
        this.api = api;
        this.writable = writable;
    }

    @Override
    public boolean serves(String path) {
        return path.equals("/ui/state");
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest r) {
        Learner learner = api.learner();
        EgressPolicy policy = api.policy();
        List<CandidateView> candidates = learner.candidates().snapshot();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("writable", writable).put("outboundPolicy", policy.outboundPolicy().name());
        o.putObject("learned").put("candidates", candidates.size()).put("limit", learner.candidates().limit())
                .put("evicted", learner.candidates().evicted()).put("dropped", learner.dropped())
                .put("recentConnectionsKept", learner.recent().capacity());
        ArrayNode blocked = o.putArray("blocked");
        for (CandidateView c : candidates) {
            if (blocked.size() >= BLOCKED) {
                break;
            }
            if (c.denied() == 0 || LearnApi.declared(policy, c)) {
                continue;
            }
            Suggestions one = api.suggestions(SuggestionBuilder.Filter.ALL, List.of(c));
            ObjectNode b = blocked.addObject();
            b.put("destination", c.destination()).put("port", c.port()).put("denied", c.denied())
                    .put("lastSeen", c.lastSeen()).put("message", c.message());
            c.reasons().forEach(b.putArray("reasons")::add);
            c.protocols().forEach(p -> b.withArray("protocols").add(p.name()));
            c.callers().forEach(cv -> b.withArray("callers").add(cv.label()));
            b.put("yaml", SuggestionYaml.render(one));
        }
        ArrayNode rates = o.putArray("rates");
        for (RateSeries.Point p : learner.rates().points()) {
            rates.addObject().put("at", p.at()).put("allowed", p.allowed()).put("denied", p.denied())
                    .put("bytes", p.bytes());
        }
        List<Observation> recent = learner.recent().snapshot();
        ArrayNode flows = o.putArray("flows");
        for (int i = recent.size() - 1; i >= 0 && recent.size() - i <= FLOWS; i--) {
            flows.add(FlowJson.of(recent.get(i)));
        }
        o.put("suggestions", SuggestionYaml.render(api.suggestions(SuggestionBuilder.Filter.ALL, candidates)));
        return CompletableFuture.completedFuture(BodyFormat.tree(r, 200, o, List.of()));
    }
}
