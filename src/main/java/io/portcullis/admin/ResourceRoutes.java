package io.portcullis.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.Problem;
import io.portcullis.model.RawFile;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyRequest;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyResult;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.sources.store.StoreException;
import io.portcullis.sources.store.StoredObject;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The resources as Kubernetes serves custom resources, for every {@link ResourceKind}:
 * <pre>
 * GET    /apis/GROUP/VERSION/PLURAL                         list, every namespace
 * GET    /apis/GROUP/VERSION/namespaces/NS/PLURAL           list
 * POST   /apis/GROUP/VERSION/namespaces/NS/PLURAL           create (201; 409 AlreadyExists)
 * GET    /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      get (404 NotFound)
 * PUT    /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      replace (409 on a stale metadata.resourceVersion)
 * PATCH  /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      JSON merge patch (also for a strategic merge patch,
 *                                                           which on these schemaless kinds means the same)
 * DELETE /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      delete (?resourceVersion= as a precondition)
 * </pre>
 * Discovery ({@code /apis}, {@code /apis/GROUP/VERSION}) is {@link KubernetesDiscovery}'s.
 * Bodies are JSON or YAML ({@link BodyFormat}); {@code ?dryRun=All} validates without writing.
 * Resources are stored as written, in their own apiVersion, whatever VERSION the path names.
 */
final class ResourceRoutes implements AdminRoute {
    private static final String PREFIX = "/apis";
    private static final ObjectMapper PATCH_JSON = new ObjectMapper();

    private final FolderStore store;
    private final StoreExecutor executor;

    ResourceRoutes(FolderStore store, StoreExecutor executor) {
        this.store = store;
        this.executor = executor;
    }

    @Override
    public boolean serves(String path) {
        return path.startsWith(PREFIX + "/");
    }

    /** A parsed resource path; {@code namespace} and {@code name} may be null. */
    private record Target(ResourceKind kind, String namespace, String name) {}

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest r) {
        Target t = parse(r.path());
        if (t == null) {
            return done(404, "NotFound", "no such resource path: " + r.path() + " (expected /apis/GROUP/VERSION/"
                    + "namespaces/NS/PLURAL[/NAME]; GET /apis lists the groups, /apis/GROUP/VERSION the kinds)");
        }
        return switch (r.method()) {
            case "GET" -> t.name() != null ? executor.submit(() -> get(r, t))
                    // Ignoring a selector would list (and let kubectl delete -l act on) every object.
                    : hasSelector(r) ? done(400, "BadRequest", "labelSelector and fieldSelector are not supported by"
                            + " the admin API; list without them") : executor.submit(() -> list(r, t));
            case "POST" -> t.name() == null && t.namespace() != null ? executor.submit(() -> write(r, t, Mode.CREATE))
                    : notAllowed(r, "GET" + (t.namespace() == null ? "" : ", POST"));
            case "PUT" -> t.name() != null ? executor.submit(() -> write(r, t, Mode.REPLACE)) : notAllowed(r, "GET, POST");
            case "PATCH" -> t.name() == null || t.namespace() == null ? notAllowed(r, "GET, POST")
                    : !isMergePatch(r.contentType()) ? done(415, "UnsupportedMediaType", "PATCH takes"
                            + " application/merge-patch+json or application/strategic-merge-patch+json (applied as a"
                            + " merge patch), not '" + r.contentType() + "'")
                    : executor.submit(() -> patch(r, t));
            case "DELETE" -> t.name() != null ? executor.submit(() -> delete(r, t)) : notAllowed(r, "GET, POST");
            default -> notAllowed(r, t.name() == null ? "GET, POST" : "GET, PUT, PATCH, DELETE");
        };
    }

    private AdminResponse list(AdminRequest r, Target t) {
        List<StoredObject> objects = store.list(t.kind(), t.namespace());
        if (BodyFormat.wantsYaml(r)) {
            return BodyFormat.tree(r, 200, ApiBodies.list(t.kind(), objects), folderWarnings());
        }
        return new AdminResponse(200, "application/json", ApiBodies.listJson(t.kind(), objects), folderWarnings());
    }

    private AdminResponse get(AdminRequest r, Target t) throws StoreException {
        return BodyFormat.tree(r, 200, store.get(t.kind(), t.namespace(), t.name()).object(), folderWarnings());
    }

    private AdminResponse write(AdminRequest r, Target t, Mode mode) throws StoreException {
        String source = BodyFormat.isJson(r) ? "request.json" : "request.yaml";
        checkBody(RawFile.split(source, r.body()), t);
        ApplyResult result = store.apply(new ApplyRequest(List.of(new ApplyRequest.SourceFile(source, r.body())),
                t.namespace(), mode, r.dryRun()));
        ApplyResult.Outcome o = result.outcomes().get(0);
        int status = o.action() == ApplyResult.Action.CREATED ? 201 : 200;
        return BodyFormat.tree(r, status, o.object(), warnings(result.warnings()));
    }

    /**
     * Merges the patch into the stored object and replaces it, conditional on the resourceVersion
     * it was read at (a concurrent write gives 409 Conflict, which kubectl retries), unless the
     * patch names a resourceVersion of its own.
     */
    private AdminResponse patch(AdminRequest r, Target t) throws StoreException {
        String type = r.contentType();
        JsonNode patch;
        try {
            patch = PATCH_JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "the patch is not JSON: " + e.getOriginalMessage());
        }
        if (patch == null || !patch.isObject()) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "the patch must be a JSON object");
        }
        if (type.startsWith("application/strategic-merge-patch+json") && containsDirective(patch)) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "strategic merge patch directives ($patch,"
                    + " $retainKeys, $setElementOrder, $deleteFromPrimitiveList) are not supported: these kinds have no"
                    + " patch strategies, send a merge patch");
        }
        StoredObject current = store.get(t.kind(), t.namespace(), t.name());
        ObjectNode merged = (ObjectNode) MergePatch.apply(current.object(), patch);
        ObjectNode metadata = merged.withObjectProperty("metadata");
        if (!patch.path("metadata").has("resourceVersion")) {
            metadata.put("resourceVersion", current.resourceVersion());
        }
        String text = ObjectText.json(merged);
        checkBody(RawFile.split("request.json", text), t);
        ApplyResult result = store.apply(new ApplyRequest(List.of(new ApplyRequest.SourceFile("request.json", text)),
                t.namespace(), Mode.REPLACE, r.dryRun()));
        return BodyFormat.tree(r, 200, result.outcomes().get(0).object(), warnings(result.warnings()));
    }

    private static boolean hasSelector(AdminRequest r) {
        return !Objects.requireNonNullElse(r.param("labelSelector"), "").isEmpty()
                || !Objects.requireNonNullElse(r.param("fieldSelector"), "").isEmpty();
    }

    private static boolean isMergePatch(String contentType) {
        return contentType.startsWith("application/merge-patch+json")
                || contentType.startsWith("application/strategic-merge-patch+json");
    }

    private static boolean containsDirective(JsonNode node) {
        if (node.isObject()) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                if (names.next().startsWith("$")) {
                    return true;
                }
            }
        }
        for (JsonNode child : node) {
            if (containsDirective(child)) {
                return true;
            }
        }
        return false;
    }

    private AdminResponse delete(AdminRequest r, Target t) throws StoreException {
        ApplyResult result = store.delete(t.kind(), t.namespace(), t.name(), r.param("resourceVersion"), r.dryRun());
        ObjectNode status = ApiBodies.statusTree(200, "Deleted", t.kind().qualifiedSingular() + " \"" + t.name()
                + "\" deleted", List.of());
        status.putObject("details").put("name", t.name()).put("group", t.kind().group())
                .put("kind", t.kind().plural()).put("resourceVersion", result.outcomes().get(0).resourceVersion());
        return BodyFormat.tree(r, 200, status, warnings(result.warnings()));
    }

    /** The body must be exactly one resource, of the path's kind, name and namespace. */
    private static void checkBody(RawFile body, Target t) throws StoreException {
        List<RawFile.RawObject> objects = body.objects();
        if (objects.size() != 1 || body.segments().stream().anyMatch(s -> s.list())) {
            if (body.segments().stream().allMatch(RawFile.Segment::readable)) {
                throw new StoreException(StoreException.Reason.BAD_REQUEST, "the body must be exactly one resource (got "
                        + objects.size() + "); use POST /apply for several");
            }
            return;
        }
        RawFile.RawObject o = objects.get(0);
        if (ResourceKind.of(o.apiVersion(), o.id().kind()).orElse(null) != t.kind()) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "the body is a " + o.id().kind() + " ("
                    + o.apiVersion() + "), the path is for " + t.kind().qualifiedPlural());
        }
        if (t.name() != null && !t.name().equals(o.id().name())) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "the name in the body (" + o.id().name()
                    + ") does not match the name in the path (" + t.name() + ")");
        }
        String ns = o.tree().path("metadata").path("namespace").asText("");
        if (!ns.isEmpty() && !ns.equals(t.namespace())) {
            throw new StoreException(StoreException.Reason.BAD_REQUEST, "the namespace of the body (" + ns
                    + ") does not match the namespace in the path (" + t.namespace() + ")");
        }
    }

    private List<String> folderWarnings() {
        List<Problem> errors = store.folderErrors();
        return errors.isEmpty() ? List.of() : List.of("the configuration folder has " + errors.size()
                + " error(s) (first: " + errors.get(0) + "); the gateway runs its last good configuration");
    }

    static List<String> warnings(List<Problem> problems) {
        return problems.stream().map(Problem::toString).toList();
    }

    private static Target parse(String path) {
        String[] s = path.substring(PREFIX.length()).split("/", -1);
        // s[0] is empty: the path continues with "/".
        if (s.length < 4 || !s[0].isEmpty()) {
            return null;
        }
        String group = s[1];
        String version = s[2];
        String ns = null;
        String plural;
        String name = null;
        if (s[3].equals("namespaces") && (s.length == 6 || s.length == 7)) {
            ns = s[4];
            plural = s[5];
            name = s.length == 7 ? s[6] : null;
        } else if (s.length == 4) {
            plural = s[3];
        } else {
            return null;
        }
        if ((ns != null && ns.isEmpty()) || (name != null && name.isEmpty())) {
            return null;
        }
        ResourceKind kind = ResourceKind.ofPath(group, plural).orElse(null);
        if (kind == null || !kind.versions().contains(version)) {
            return null;
        }
        return new Target(kind, ns, name);
    }

    private static CompletableFuture<AdminResponse> done(int code, String reason, String message) {
        return CompletableFuture.completedFuture(StoreExecutor.json(code, ApiBodies.status(code, reason, message, List.of())));
    }

    private static CompletableFuture<AdminResponse> notAllowed(AdminRequest r, String allowed) {
        return done(405, "MethodNotAllowed", r.method() + " is not allowed on " + r.path() + " (allowed: " + allowed + ")");
    }
}
