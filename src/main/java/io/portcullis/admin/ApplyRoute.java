package io.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.ObjectText;
import io.portcullis.sources.store.ApplyRequest;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyRequest.SourceFile;
import io.portcullis.sources.store.ApplyResult;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.sources.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /apply[?namespace=NS][&dryRun=All]}: {@code kubectl apply} for any number of
 * resources, all or nothing. The body is one YAML or JSON file (multi-document; {@code ?source=}
 * names it in errors), or the JSON envelope {@code {"files":[{"name":…,"content":…},…]}} the CLI
 * sends for several files, so that every error names the file the user wrote. Answers with
 * {@code created}/{@code configured}/{@code unchanged} per resource, or 422 with every problem.
 */
final class ApplyRoute extends EndpointRoute {
    private final FolderStore store;
    private final StoreExecutor executor;

    ApplyRoute(FolderStore store, StoreExecutor executor) {
        super("/apply", "POST");
        this.store = store;
        this.executor = executor;
    }

    @Override
    CompletableFuture<AdminResponse> answer(AdminRequest r) {
        return executor.submit(() -> {
            ApplyResult result = store.apply(new ApplyRequest(files(r), namespace(r), Mode.APPLY, r.dryRun()));
            return BodyFormat.tree(r, 200, ApiBodies.applyResult(result), List.of());
        });
    }

    /** The namespace of resources that name none: {@code ?namespace=}, else {@code default}, as kubectl's. */
    static String namespace(AdminRequest r) {
        String ns = r.param("namespace");
        return ns == null || ns.isBlank() ? "default" : ns;
    }

    static List<SourceFile> files(AdminRequest r) throws StoreException {
        boolean json = BodyFormat.isJson(r);
        if (json) {
            JsonNode envelope = envelope(r.body());
            if (envelope != null) {
                List<SourceFile> files = new ArrayList<>();
                for (JsonNode f : envelope.get("files")) {
                    if (!f.path("name").isTextual() || !f.path("content").isTextual()) {
                        throw new StoreException(StoreException.Reason.BAD_REQUEST,
                                "each of \"files\" needs a string \"name\" and a string \"content\"");
                    }
                    files.add(new SourceFile(f.get("name").textValue(), f.get("content").textValue()));
                }
                return files;
            }
        }
        String source = r.param("source");
        if (source == null || source.isBlank()) {
            source = json ? "request.json" : "request.yaml";
        }
        return List.of(new SourceFile(source, r.body()));
    }

    /** The envelope, or null when the body is a resource (or anything else) rather than {@code {"files":[…]}}. */
    private static JsonNode envelope(String body) {
        try {
            JsonNode n = ObjectText.mapper().readTree(body);
            return n != null && n.isObject() && n.path("files").isArray() && !n.has("kind") ? n : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }
}
