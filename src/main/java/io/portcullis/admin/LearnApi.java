package io.portcullis.admin;

import io.portcullis.learn.CandidateView;
import io.portcullis.learn.Learner;
import io.portcullis.learn.SuggestionBuilder;
import io.portcullis.learn.Suggestions;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.sources.store.FolderStore;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin side of learning: {@code GET /suggestions}, {@code POST /diff}, and the live view
 * ({@code /ui}, its state and its event stream). Shares the resource API's store thread for the
 * file reads {@code diff} needs.
 */
public final class LearnApi {
    /** Names under one parent before {@code suggest} folds them into a wildcard. */
    public static final int WILDCARD_MIN_NAMES = 3;

    private final Learner learner;
    private final Supplier<EgressPolicy> policy;
    private final List<AdminRoute> routes;
    private final List<EventStream> streams;

    /**
     * @param store    the folder that {@code diff} previews a change against; empty where the
     *                 resources come from elsewhere (Kubernetes), and {@code diff} is then refused
     * @param writable whether the admin API may write the configuration (the live view's "Allow")
     */
    public LearnApi(Learner learner, Supplier<EgressPolicy> policy, Optional<FolderStore> store, ResourceApi resources,
                    boolean writable) {
        this.learner = learner;
        this.policy = policy;
        this.routes = List.of(new SuggestionsRoute(this), new DiffRoute(learner, policy, store, resources.executor()),
                new UiStateRoute(this, writable), new UiAssets());
        this.streams = List.of(new FlowEvents(learner));
    }

    public List<AdminRoute> routes() {
        return routes;
    }

    public List<EventStream> streams() {
        return streams;
    }

    Learner learner() {
        return learner;
    }

    EgressPolicy policy() {
        return policy.get();
    }

    /** The suggestions from what was learned, leaving out what the configuration in force declares now. */
    Suggestions suggestions(SuggestionBuilder.Filter filter, List<CandidateView> candidates) {
        EgressPolicy now = policy.get();
        Set<String> taken = new HashSet<>();
        now.resources().serviceEntries().stream().filter(e -> e.id().namespace().equals("default"))
                .forEach(e -> taken.add(e.id().name()));
        now.resources().authorizationPolicies().stream().filter(p -> p.id().namespace().equals("default"))
                .forEach(p -> taken.add(p.id().name()));
        return new SuggestionBuilder(WILDCARD_MIN_NAMES).build(candidates, filter, c -> declared(now, c), taken,
                System.currentTimeMillis());
    }

    static boolean declared(EgressPolicy p, CandidateView c) {
        return p.declares(c.destination(), c.port());
    }
}
