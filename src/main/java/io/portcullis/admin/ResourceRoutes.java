package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.Problem;
import io.portcullis.model.RawFile;
import io.portcullis.model.ResourceKind;
import io.portcullis.sources.store.ApplyRequest;
import io.portcullis.sources.store.ApplyRequest.Mode;
import io.portcullis.sources.store.ApplyResult;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.sources.store.StoreException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The resources as Kubernetes serves custom resources, for every {@link ResourceKind}:
 * <pre>
 * GET    /apis                                              the kinds served
 * GET    /apis/GROUP/VERSION/PLURAL                         list, every namespace
 * GET    /apis/GROUP/VERSION/namespaces/NS/PLURAL           list
 * POST   /apis/GROUP/VERSION/namespaces/NS/PLURAL           create (201; 409 AlreadyExists)
 * GET    /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      get (404 NotFound)
 * PUT    /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      replace (409 on a stale metadata.resourceVersion)
 * DELETE /apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME      delete (?resourceVersion= as a precondition)
 * </pre>
 * Bodies are JSON or YAML ({@link BodyFormat}); {@code ?dryRun=All} validates without writing.
 * Resources are stored as written, in their own apiVersion, whatever VERSION the path names.
 */
final class ResourceRoutes implements AdminRoute {
    private static final String PREFIX = "/apis";

    private final FolderStore store;
    private final StoreExecutor executor;

    ResourceRoutes(FolderStore store, StoreExecutor executor) {
        this.store = store;
        this.executor = executor;
    }

    @Override
    public boolean serves(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** A parsed resource path; {@code namespace} and {@code name} may be null. */
    private record Target(ResourceKind kind, String namespace, String name) {}

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest r) {
        if (r.path().equals(PREFIX) || r.path().equals(PREFIX + "/")) {
            return CompletableFuture.completedFuture(BodyFormat.tree(r, 200, discovery(), List.of()));
        }
        Target t = parse(r.path());
        if (t == null) {
            return done(404, "NotFound", "no such resource path: " + r.path() + " (expected /apis/GROUP/VERSION/"
                    + "namespaces/NS/PLURAL[/NAME]; GET /apis lists the kinds)");
        }
        return switch (r.method()) {
            case "GET" -> t.name() == null ? executor.submit(() -> list(r, t)) : executor.submit(() -> get(r, t));
            case "POST" -> t.name() == null && t.namespace() != null ? executor.submit(() -> write(r, t, Mode.CREATE))
                    : notAllowed(r, "GET" + (t.namespace() == null ? "" : ", POST"));
            case "PUT" -> t.name() != null ? executor.submit(() -> write(r, t, Mode.REPLACE)) : notAllowed(r, "GET, POST");
            case "DELETE" -> t.name() != null ? executor.submit(() -> delete(r, t)) : notAllowed(r, "GET, POST");
            default -> notAllowed(r, t.name() == null ? "GET, POST" : "GET, PUT, DELETE");
        };
    }

    private AdminResponse list(AdminRequest r, Target t) {
        return BodyFormat.tree(r, 200, ApiBodies.list(t.kind(), store.list(t.kind(), t.namespace())), folderWarnings());
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

    private static ObjectNode discovery() {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        d.put("kind", "APIResourceList");
        ArrayNode kinds = d.putArray("resources");
        for (ResourceKind k : ResourceKind.values()) {
            ObjectNode o = kinds.addObject().put("kind", k.kind()).put("group", k.group()).put("name", k.plural())
                    .put("singularName", k.singular()).put("namespaced", true);
            k.versions().forEach(o.putArray("versions")::add);
            k.shortNames().forEach(o.putArray("shortNames")::add);
        }
        return d;
    }

    private static CompletableFuture<AdminResponse> done(int code, String reason, String message) {
        return CompletableFuture.completedFuture(StoreExecutor.json(code, ApiBodies.status(code, reason, message, List.of())));
    }

    private static CompletableFuture<AdminResponse> notAllowed(AdminRequest r, String allowed) {
        return done(405, "MethodNotAllowed", r.method() + " is not allowed on " + r.path() + " (allowed: " + allowed + ")");
    }
}
