package io.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.ResourceKind;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What real {@code kubectl} reads before it touches a resource, for the kinds of
 * {@link ResourceKind}: legacy discovery ({@code /api}, {@code /apis},
 * {@code /apis/GROUP/VERSION}), {@code /version}, and an OpenAPI v3 index
 * ({@code /openapi/v3}) with one document per group version.
 *
 * <p>kubectl 1.32 asks for aggregated discovery ({@code apidiscovery.k8s.io/v2}) but accepts plain
 * {@code application/json}, so only the legacy shapes are served. Its {@code --validate} (on by
 * default) uses server-side field validation when the OpenAPI v3 document of the group version
 * lists a {@code fieldValidation} query parameter on the kind's PATCH operation; that is what the
 * documents say, and true: the admin API validates every write with Portcullis's strict rules,
 * whatever {@code fieldValidation} asks. Without OpenAPI v3, kubectl falls back to OpenAPI v2 in
 * protobuf, which this server does not speak. The schemas carry no
 * {@code x-kubernetes-group-version-kind}, so {@code kubectl apply} computes a JSON merge patch,
 * as it does for custom resources. Pure and allocation-only: answered on the admin event loop.
 */
final class KubernetesDiscovery implements AdminRoute {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** The Kubernetes API level whose discovery and OpenAPI shapes are served (kubectl checks version skew). */
    static final String MAJOR = "1";
    static final String MINOR = "32";
    private static final List<String> VERBS = List.of("create", "delete", "get", "list", "patch", "update");

    @Override
    public boolean serves(String path) {
        return path.equals("/api") || path.equals("/apis") || path.equals("/version")
                || path.equals("/openapi/v3") || groupVersion(path, "/apis/") != null
                || groupVersion(path, "/openapi/v3/apis/") != null;
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest r) {
        if (!r.method().equals("GET")) {
            return CompletableFuture.completedFuture(json(405, ApiBodies.statusTree(405, "MethodNotAllowed",
                    r.method() + " is not allowed on " + r.path() + " (allowed: GET)", List.of())));
        }
        String p = r.path();
        ObjectNode body;
        if (p.equals("/api")) {
            // No core group: none of its kinds are served (an empty v1 makes kubectl api-resources fail).
            body = F.objectNode().put("kind", "APIVersions");
            body.putArray("versions");
        } else if (p.equals("/apis")) {
            body = groups();
        } else if (p.equals("/version")) {
            body = version();
        } else if (p.equals("/openapi/v3")) {
            body = openApiIndex();
        } else {
            String[] gv = groupVersion(p, "/apis/");
            body = gv != null ? resources(gv[0], gv[1]) : openApi(groupVersion(p, "/openapi/v3/apis/"));
        }
        return CompletableFuture.completedFuture(json(200, body));
    }

    /** {@code [group, version]} when {@code path} is {@code prefix + GROUP/VERSION} of a served kind, else null. */
    private static String[] groupVersion(String path, String prefix) {
        if (!path.startsWith(prefix)) {
            return null;
        }
        String[] s = path.substring(prefix.length()).split("/", -1);
        if (s.length != 2) {
            return null;
        }
        return kinds(s[0], s[1]).isEmpty() ? null : s;
    }

    private static List<ResourceKind> kinds(String group, String version) {
        return java.util.Arrays.stream(ResourceKind.values())
                .filter(k -> k.group().equals(group) && k.versions().contains(version)).toList();
    }

    /** Group to its versions, preferred first, in the order of {@link ResourceKind}. */
    private static Map<String, List<String>> groupVersions() {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (ResourceKind k : ResourceKind.values()) {
            List<String> versions = new java.util.ArrayList<>(groups.getOrDefault(k.group(), List.of()));
            k.versions().stream().filter(v -> !versions.contains(v)).forEach(versions::add);
            groups.put(k.group(), versions);
        }
        return groups;
    }

    private static ObjectNode groups() {
        ObjectNode list = F.objectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        groupVersions().forEach((group, versions) -> {
            ObjectNode g = groups.addObject().put("name", group);
            ArrayNode vs = g.putArray("versions");
            versions.forEach(v -> vs.addObject().put("groupVersion", group + "/" + v).put("version", v));
            g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.get(0))
                    .put("version", versions.get(0));
        });
        return list;
    }

    private static ObjectNode resources(String group, String version) {
        ObjectNode list = F.objectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", group + "/" + version);
        ArrayNode resources = list.putArray("resources");
        for (ResourceKind k : kinds(group, version)) {
            ObjectNode o = resources.addObject().put("name", k.plural()).put("singularName", k.singular())
                    .put("namespaced", true).put("kind", k.kind());
            VERBS.forEach(o.putArray("verbs")::add);
            if (!k.shortNames().isEmpty()) {
                k.shortNames().forEach(o.putArray("shortNames")::add);
            }
            o.putArray("categories").add("istio-io");
        }
        return list;
    }

    private static ObjectNode version() {
        String v = KubernetesDiscovery.class.getPackage().getImplementationVersion();
        return F.objectNode().put("major", MAJOR).put("minor", MINOR)
                .put("gitVersion", "v" + MAJOR + "." + MINOR + ".0+portcullis-" + (v == null ? "dev" : v))
                .put("platform", "portcullis admin API");
    }

    private static ObjectNode openApiIndex() {
        ObjectNode index = F.objectNode();
        ObjectNode paths = index.putObject("paths");
        groupVersions().forEach((group, versions) -> versions.forEach(v -> paths.putObject("apis/" + group + "/" + v)
                .put("serverRelativeURL", "/openapi/v3/apis/" + group + "/" + v)));
        return index;
    }

    /**
     * The OpenAPI v3 document of one group version: for each kind, its collection and item paths,
     * PATCH with the {@code fieldValidation} parameter and the kind named in
     * {@code x-kubernetes-group-version-kind}, and an open object schema (the admin API, not the
     * schema, validates).
     */
    private static ObjectNode openApi(String[] gv) {
        ObjectNode doc = F.objectNode().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Portcullis admin API").put("version", gv[0] + "/" + gv[1]);
        ObjectNode paths = doc.putObject("paths");
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        for (ResourceKind k : kinds(gv[0], gv[1])) {
            String schemaName = "io.portcullis." + gv[0] + "." + gv[1] + "." + k.kind();
            ObjectNode schema = schemas.putObject(schemaName).put("type", "object")
                    .put("x-kubernetes-preserve-unknown-fields", true);
            schema.putObject("properties").putObject("spec").put("type", "object")
                    .put("x-kubernetes-preserve-unknown-fields", true);
            String base = "/apis/" + gv[0] + "/" + gv[1] + "/namespaces/{namespace}/" + k.plural();
            ObjectNode collection = paths.putObject(base);
            collection.set("get", operation(k, gv, schemaName, "list"));
            collection.set("post", operation(k, gv, schemaName, "create"));
            ObjectNode item = paths.putObject(base + "/{name}");
            item.set("get", operation(k, gv, schemaName, "read"));
            item.set("put", operation(k, gv, schemaName, "replace"));
            item.set("patch", operation(k, gv, schemaName, "patch"));
            item.set("delete", operation(k, gv, schemaName, "delete"));
        }
        return doc;
    }

    private static ObjectNode operation(ResourceKind k, String[] gv, String schemaName, String action) {
        ObjectNode op = F.objectNode().put("operationId", action + k.kind() + "@" + gv[0] + "/" + gv[1]);
        op.putObject("x-kubernetes-group-version-kind").put("group", gv[0]).put("version", gv[1]).put("kind", k.kind());
        op.put("x-kubernetes-action", action.equals("read") ? "get" : action);
        ArrayNode params = op.putArray("parameters");
        params.addObject().put("name", "dryRun").put("in", "query").putObject("schema").put("type", "string");
        if (action.equals("create") || action.equals("replace") || action.equals("patch")) {
            params.addObject().put("name", "fieldValidation").put("in", "query").putObject("schema").put("type", "string");
        }
        op.putObject("responses").putObject("200").put("description", "OK").putObject("content")
                .putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/" + schemaName);
        return op;
    }

    private static AdminResponse json(int status, ObjectNode body) {
        return new AdminResponse(status, "application/json", ObjectText.json(body).getBytes(StandardCharsets.UTF_8),
                List.of());
    }
}
