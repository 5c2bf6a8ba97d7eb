package io.portcullis.sources.kubernetes;

import io.portcullis.model.CredentialBinder;
import io.portcullis.model.ParsedFile;
import io.portcullis.model.Problem;
import io.portcullis.model.Resource;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.ResourceSetValidator;
import io.portcullis.sources.LoadResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The objects the informers hold, each parsed once when it arrives (through the same parser as a
 * folder's files), and the per-object semantics of Kubernetes mode: an object that does not
 * validate is skipped by itself and everything else applies. Cross-resource rules
 * ({@link ResourceSetValidator}) are applied the same way: the object an error names is skipped
 * and the rest validated again, so one bad object never blocks the cluster. Objects are ordered
 * by creation time, then namespace and name, so the older of two conflicting objects wins, as in
 * Istio. Thread-safe: informer threads {@link #put}/{@link #remove}, one thread {@link #snapshot}s.
 */
public final class ClusterState {
    /** Where problems say a resource came from. */
    public static final String ORIGIN = "kubernetes";

    private record Entry(ApiObject object, ParsedFile parsed) {
    }

    private final Map<ResourceId, Entry> entries = new ConcurrentHashMap<>();

    /**
     * Records an added or changed object; returns false when nothing that compiles changed (e.g.
     * only its status was written), so no new snapshot is needed.
     */
    public boolean put(ApiObject object, ParsedFile parsed) {
        Entry previous = entries.put(object.id(), new Entry(object, parsed));
        return previous == null || !previous.parsed().equals(parsed)
                || !previous.object().statusMark().equals(object.statusMark());
    }

    public boolean remove(ResourceId id) {
        return entries.remove(id) != null;
    }

    public int size() {
        return entries.size();
    }

    public ClusterSnapshot snapshot() {
        List<Entry> ordered = new ArrayList<>(entries.values());
        ordered.sort(Comparator.comparing((Entry e) -> e.object().creationTimestamp() == null ? ""
                        : e.object().creationTimestamp())
                .thenComparing(e -> e.object().namespace()).thenComparing(e -> e.object().name())
                .thenComparing(e -> e.object().kind()));
        Map<ResourceId, Rejection> rejected = new LinkedHashMap<>();
        Map<ResourceId, Resource> valid = new LinkedHashMap<>();
        Map<ResourceId, ApiObject> objects = new HashMap<>();
        List<Problem> warnings = new ArrayList<>();
        for (Entry e : ordered) {
            objects.put(e.object().id(), e.object());
            List<Problem> errors = e.parsed().problems().stream().filter(Problem::isError).toList();
            if (!errors.isEmpty() || e.parsed().resources().size() != 1) {
                rejected.put(e.object().id(), new Rejection(e.object(), errors.isEmpty()
                        ? List.of(Problem.error(ORIGIN, e.object().id(), null, "not a resource Portcullis reads"))
                        : errors));
                continue;
            }
            warnings.addAll(e.parsed().problems());
            valid.put(e.object().id(), e.parsed().resources().get(0));
        }
        ResourceSet set = crossValidated(valid, rejected, objects, warnings);
        CredentialBinder.Bound bound = CredentialBinder.bind(set);
        warnings.addAll(bound.problems());
        List<ApiObject> cleared = new ArrayList<>();
        for (Resource r : valid.values()) {
            ApiObject o = objects.get(r.id());
            if (o != null && o.statusMark().isPresent()) {
                cleared.add(o);
            }
        }
        return new ClusterSnapshot(new LoadResult(bound.set(), warnings), List.copyOf(rejected.values()), cleared);
    }

    /** Validates across resources, skipping each object an error names, until what is left is valid. */
    private static ResourceSet crossValidated(Map<ResourceId, Resource> valid, Map<ResourceId, Rejection> rejected,
                                              Map<ResourceId, ApiObject> objects, List<Problem> warnings) {
        Map<ResourceId, String> origins = new HashMap<>();
        valid.keySet().forEach(id -> origins.put(id, ORIGIN));
        while (true) {
            ResourceSet set = ResourceSet.of(new ArrayList<>(valid.values()), origins);
            List<Problem> problems = ResourceSetValidator.validate(set);
            Set<ResourceId> culprits = new LinkedHashSet<>();
            Map<ResourceId, List<Problem>> byCulprit = new HashMap<>();
            for (Problem p : problems) {
                if (p.isError() && p.resource() != null && valid.containsKey(p.resource())) {
                    culprits.add(p.resource());
                    byCulprit.computeIfAbsent(p.resource(), k -> new ArrayList<>()).add(p);
                }
            }
            if (culprits.isEmpty()) {
                // Errors that name no object cannot be pinned on one; the set never carries errors.
                problems.stream().filter(p -> !p.isError()).forEach(warnings::add);
                return set;
            }
            for (ResourceId id : culprits) {
                valid.remove(id);
                origins.remove(id);
                rejected.put(id, new Rejection(objects.get(id), byCulprit.get(id)));
            }
        }
    }
}
