package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.Documents.Document;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the Istio resources of one YAML or JSON file into validated records.
 *
 * <p>A file holds any number of documents ({@code ---}), each a resource or a Kubernetes
 * {@code List} of them ({@code kubectl get -o yaml}); empty documents are skipped. The format is
 * JSON when the file name ends in {@code .json}, YAML otherwise. Reading is strict: a field that
 * is not in Istio's schema is an error, a field that is but has no effect in Portcullis is a
 * warning, and every message names the file, the resource and the field path. Never throws for
 * bad input. Stateless and thread-safe.
 */
public final class ResourceParser {
    static final String NETWORKING = "networking.istio.io";
    private static final Set<String> NETWORKING_VERSIONS = Set.of("v1", "v1beta1", "v1alpha3");
    static final String SECURITY = "security.istio.io";
    private static final Set<String> SECURITY_VERSIONS = Set.of("v1", "v1beta1");
    private static final JsonNode EMPTY_SPEC = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    private static final String SUPPORTED = "Portcullis reads ServiceEntry, Gateway, VirtualService and"
            + " DestinationRule (and Sidecar) of networking.istio.io/v1, v1beta1 or v1alpha3, and AuthorizationPolicy of"
            + " security.istio.io/v1 or v1beta1, and v1 Secrets holding TLS material for credentialName";

    private ResourceParser() {
    }

    /**
     * Parses one file of YAML documents (or one JSON document) into resources and problems.
     *
     * @param fileName the name problems carry, and whose {@code .json} suffix selects JSON; may be null
     * @param text     the file's content
     */
    public static ParsedFile parse(String fileName, String text) {
        return parse(fileName, text, Documents.isJson(fileName));
    }

    /**
     * Reads JSON text that did not come from a file, e.g. an object from the Kubernetes API
     * server; {@code origin} is what problems name as the file.
     */
    public static ParsedFile parseJson(String origin, String json) {
        return parse(origin, json, true);
    }

    private static ParsedFile parse(String fileName, String text, boolean json) {
        Findings findings = new Findings(fileName);
        List<Resource> resources = new ArrayList<>();
        if (text == null) {
            findings.error(null, "no content");
            return new ParsedFile(resources, findings.problems());
        }
        // Each document is mapped as soon as it is read and its tree dropped: a file of thousands of
        // documents holds one tree at a time. Malformed text is still reported first, as it stops the file.
        Findings syntax = new Findings(fileName);
        Documents.each(text, syntax, json, d -> readGuarded(d, findings, resources));
        List<Problem> problems = new ArrayList<>(syntax.problems());
        problems.addAll(findings.problems());
        return new ParsedFile(resources, problems);
    }

    /** A document already read into a tree, and the line of its file it starts on (for messages that cannot name a resource). */
    public record Tree(JsonNode root, int line) {}

    /**
     * Reads documents already parsed, exactly as {@link #parse} reads them from a text that holds
     * them: for a writer that has the trees in hand (a request it has split, the documents it is
     * about to write), so that no text is parsed a second time. Never throws for bad input.
     *
     * @param fileName  the name problems carry; may be null
     * @param documents the file's documents in order; null and missing roots are skipped, as empty documents are
     */
    public static ParsedFile read(String fileName, List<Tree> documents) {
        Findings findings = new Findings(fileName);
        List<Resource> resources = new ArrayList<>();
        for (Tree t : documents) {
            if (t.root() != null && !t.root().isNull() && !t.root().isMissingNode()) {
                readGuarded(new Document(t.root(), t.line()), findings, resources);
            }
        }
        return new ParsedFile(resources, findings.problems());
    }

    private static void readGuarded(Document d, Findings findings, List<Resource> resources) {
        try {
            readDocument(d, findings, resources);
        } catch (RuntimeException e) {
            // A mapper bug must not take the whole configuration down; it is reported, not swallowed.
            findings.endResource();
            findings.error(null, "internal error while reading the document at line " + d.line()
                    + " (please report it): " + e);
        }
    }

    private static void readDocument(Document d, Findings findings, List<Resource> out) {
        JsonNode root = d.root();
        String where = "document at line " + d.line();
        if (!root.isObject()) {
            findings.error(null, "the " + where + " is not a resource (expected a mapping with apiVersion, kind,"
                    + " metadata and spec), got " + Node.describe(root));
            return;
        }
        JsonNode kind = root.get("kind");
        if (kind != null && kind.isTextual() && kind.textValue().endsWith("List") && root.has("items")) {
            readList(root, where, findings, out);
        } else {
            readResource(root, "", where, findings, out);
        }
    }

    /** {@code kind: List} (or {@code ServiceEntryList}...) with {@code items}: what {@code kubectl get -o yaml} prints. */
    private static void readList(JsonNode root, String where, Findings findings, List<Resource> out) {
        findings.beginResource(null);
        Node list = Node.of(root, "", "List", findings);
        list.allow("apiVersion", "kind", "metadata");
        JsonNode items = list.raw("items");
        findings.endResource();
        if (items == null) {
            return;
        }
        if (!items.isArray()) {
            findings.error("items", "expected a list of resources, got " + Node.describe(items) + " (" + where + ")");
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (!item.isNull()) {
                readResource(item, "items[" + i + "]", where, findings, out);
            }
        }
    }

    private static void readResource(JsonNode doc, String prefix, String where, Findings findings,
                                     List<Resource> out) {
        if (!doc.isObject()) {
            findings.error(prefix, "expected a resource (a mapping with apiVersion, kind, metadata and spec), got "
                    + Node.describe(doc));
            return;
        }
        ResourceId id = MetadataReader.identify(doc);
        int errorsBefore = findings.errorCount();
        findings.beginResource(id);
        String context = id == null ? " (" + where + ")" : "";
        Node top = Node.of(doc, id == null ? prefix : "", "resource", findings);
        String apiVersion = top.string("apiVersion");
        String kind = top.string("kind");
        if (!top.has("apiVersion")) {
            top.error("apiVersion", "required" + context);
        }
        if (!top.has("kind")) {
            top.error("kind", "required" + context);
        }
        // Written by the cluster, never configuration.
        top.allow("status");
        Node metadata = top.child("metadata", "ObjectMeta");
        if (metadata != null) {
            MetadataReader.check(metadata, context);
        } else if (!top.has("metadata")) {
            top.error("metadata", "required (at least metadata.name)" + context);
        }
        Resource resource = null;
        if (apiVersion != null && kind != null && id != null) {
            resource = dispatch(apiVersion, kind, id, top);
        } else {
            top.allowRest();
        }
        findings.endResource();
        if (resource != null && findings.errorCount() == errorsBefore) {
            out.add(resource);
        }
    }

    private static Resource dispatch(String apiVersion, String kind, ResourceId id, Node top) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        boolean networking = group.equals(NETWORKING);
        switch (kind) {
            case "ServiceEntry", "Gateway", "VirtualService", "DestinationRule" -> {
                if (!networking || !NETWORKING_VERSIONS.contains(version)) {
                    top.allowRest();
                    top.error("apiVersion", "unsupported apiVersion \"" + apiVersion + "\" for " + kind
                            + " (expected: networking.istio.io/v1, v1beta1 or v1alpha3)");
                    return null;
                }
                Node spec = spec(top, kind);
                if (spec == null) {
                    return null;
                }
                return switch (kind) {
                    case "ServiceEntry" -> ServiceEntryMapper.map(id, spec, usesWaypoint(top));
                    case "Gateway" -> GatewayMapper.map(id, spec);
                    case "VirtualService" -> VirtualServiceMapper.map(id, spec);
                    default -> DestinationRuleMapper.map(id, spec);
                };
            }
            case Sidecar.KIND -> {
                if (networking) {
                    if (!NETWORKING_VERSIONS.contains(version)) {
                        top.allowRest();
                        top.error("apiVersion", "unsupported apiVersion \"" + apiVersion + "\" for " + kind
                                + " (expected: networking.istio.io/v1, v1beta1 or v1alpha3)");
                        return null;
                    }
                    Node spec = spec(top, kind);
                    return spec == null ? null : SidecarMapper.map(id, spec);
                }
            }
            case TlsSecret.KIND -> {
                if (apiVersion.equals("v1")) {
                    // A Secret has no spec: its type and data sit beside metadata.
                    return SecretMapper.map(id, top);
                }
            }
            case "EnvoyFilter" -> {
                if (networking) {
                    Node spec = spec(top, kind);
                    if (spec != null) {
                        EnvoyFilterCheck.check(spec);
                    }
                    return null;
                }
            }
            case LegacyEgressRuleConverter.KIND -> {
                if (apiVersion.equals("config.istio.io/v1alpha2")) {
                    Node spec = spec(top, kind);
                    return spec == null ? null : LegacyEgressRuleConverter.convert(id, spec);
                }
            }
            case "RouteRule" -> {
                if (group.equals("config.istio.io")) {
                    top.allowRest();
                    top.error("kind", "RouteRule (" + apiVersion + ") is not supported: Istio replaced it with"
                            + " VirtualService in 0.8; write a VirtualService");
                    return null;
                }
            }
            case "AuthorizationPolicy" -> {
                if (group.equals(SECURITY)) {
                    if (!SECURITY_VERSIONS.contains(version)) {
                        top.allowRest();
                        top.error("apiVersion", "unsupported apiVersion \"" + apiVersion + "\" for " + kind
                                + " (expected: security.istio.io/v1 or v1beta1)");
                        return null;
                    }
                    Node spec = top.child("spec", kind);
                    // Istio's allow-nothing policy is written without a spec, or with an empty one.
                    JsonNode dryRun = top.raw("metadata") == null ? null
                            : top.raw("metadata").path("annotations").get("istio.io/dry-run");
                    return AuthorizationPolicyMapper.map(id, spec != null ? spec
                            : Node.of(EMPTY_SPEC, "spec", kind, top.findings()),
                            dryRun == null || dryRun.isNull() ? null : dryRun.asText());
                }
            }
            default -> {
                // Falls through to the common refusal below.
            }
        }
        top.allowRest();
        top.error("kind", "unsupported kind \"" + kind + "\" (apiVersion " + apiVersion + "); " + SUPPORTED);
        return null;
    }

    /** Istio's ambient label: a value other than empty or "none" sends traffic through a waypoint. */
    private static boolean usesWaypoint(Node top) {
        JsonNode metadata = top.raw("metadata");
        String value = metadata == null ? "" : metadata.path("labels").path("istio.io/use-waypoint").asText("");
        return !value.isEmpty() && !value.equalsIgnoreCase("none");
    }

    private static Node spec(Node top, String kind) {
        Node spec = top.child("spec", kind);
        if (spec == null && !top.has("spec")) {
            top.error("spec", "required");
        }
        return spec;
    }
}
