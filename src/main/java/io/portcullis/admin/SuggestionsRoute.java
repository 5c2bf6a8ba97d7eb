package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.learn.SuggestionBuilder;
import io.portcullis.learn.SuggestionYaml;
import io.portcullis.learn.Suggestions;
import io.portcullis.model.ObjectText;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /suggestions[?sinceSeconds=N][&for=PRINCIPAL|NAMESPACE|ADDRESS]}: the ServiceEntries
 * and AuthorizationPolicies the learned traffic needs, as JSON with the ready-to-apply YAML in
 * {@code yaml}. Computed from a copy of the candidates on the admin loop (no I/O).
 */
final class SuggestionsRoute extends EndpointRoute {
    private final LearnApi api;

    SuggestionsRoute(LearnApi api) {
        super("/suggestions", "GET");
        this.api = api;
    }

    @Override
    CompletableFuture<AdminResponse> answer(AdminRequest r) {
        long since = 0;
        String s = r.param("sinceSeconds");
        if (s != null && !s.isBlank()) {
            try {
                since = System.currentTimeMillis() - Long.parseLong(s.strip()) * 1000;
            } catch (NumberFormatException e) {
                return CompletableFuture.completedFuture(StoreExecutor.json(400, ApiBodies.status(400, "BadRequest",
                        "sinceSeconds: \"" + s + "\" is not a number of seconds", List.of())));
            }
        }
        String forCaller = r.param("for") == null || r.param("for").isBlank() ? null : r.param("for").strip();
        Suggestions sg = api.suggestions(new SuggestionBuilder.Filter(since, forCaller),
                api.learner().candidates().snapshot());
        return CompletableFuture.completedFuture(BodyFormat.tree(r, 200, body(sg), List.of()));
    }

    static ObjectNode body(Suggestions sg) {
        ObjectNode o = ObjectText.mapper().valueToTree(sg);
        o.put("kind", "Suggestions");
        o.put("yaml", SuggestionYaml.render(sg));
        return o;
    }
}
