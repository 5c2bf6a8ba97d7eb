package io.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyResult;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.sources.store.FolderStore.Deletion;
import io.portcullis.sources.store.StoreException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /delete[?dryRun=All]}: {@code kubectl delete -f} as one change. The body is
 * {@code {"items":[{"apiVersion":…,"kind":…,"namespace":…,"name":…},…]}}; every item that exists
 * is deleted in one write, judged by the folder it ends with ({@link FolderStore#deleteAll}), so a
 * Gateway deleted with its VirtualService warns of neither. Answers with {@code deleted} per
 * resource and {@code notFound} for the rest, warnings as {@code Warning} headers like a single
 * {@code DELETE}.
 */
final class DeleteRoute extends EndpointRoute {
    private final FolderStore store;
    private final StoreExecutor executor;

    DeleteRoute(FolderStore store, StoreExecutor executor) {
        super("/delete", "POST");
        this.store = store;
        this.executor = executor;
    }

    @Override
    CompletableFuture<AdminResponse> answer(AdminRequest r) {
        return executor.submit(() -> {
            List<Deletion> targets = targets(r.body());
            ApplyResult result = store.deleteAll(targets, r.dryRun());
            ObjectNode body = ApiBodies.applyResult(result);
            body.remove("warnings");
            Set<String> deleted = new HashSet<>();
            result.outcomes().forEach(o -> deleted.add(o.kind() + "/" + o.namespace() + "/" + o.name()));
            ArrayNode notFound = body.putArray("notFound");
            for (Deletion d : targets) {
                if (!deleted.contains(d.kind() + "/" + d.namespace() + "/" + d.name())) {
                    notFound.addObject().put("kind", d.kind().kind()).put("group", d.kind().group())
                            .put("namespace", d.namespace()).put("name", d.name());
                }
            }
            return BodyFormat.tree(r, 200, body, ResourceRoutes.warnings(result.warnings()));
        });
    }

    private static List<Deletion> targets(String body) throws StoreException {
        JsonNode items;
        try {
            items = ObjectText.mapper().readTree(body).path("items");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "the body is not JSON: " + e.getOriginalMessage());
        }
        if (!items.isArray() || items.isEmpty()) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST,
                    "the body must be {\"items\":[{\"apiVersion\":…,\"kind\":…,\"namespace\":…,\"name\":…},…]}");
        }
        List<Deletion> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String apiVersion = item.path("apiVersion").asText("");
            String kind = item.path("kind").asText("");
            String namespace = item.path("namespace").asText("");
            String name = item.path("name").asText("");
            ResourceKind k = ResourceKind.of(apiVersion, kind).orElse(null);
            if (k == null) {
                throw new StoreException(StoreException.Reason.BAD_REQUEST, "items[" + i + "]: " + kind + " ("
                        + apiVersion + ") is not a kind the gateway stores");
            }
            if (namespace.isEmpty() || name.isEmpty()) {
                throw new StoreException(StoreException.Reason.BAD_REQUEST, "items[" + i + "]: namespace and name"
                        + " are required");
            }
            out.add(new Deletion(k, namespace, name));
        }
        return out;
    }
}
