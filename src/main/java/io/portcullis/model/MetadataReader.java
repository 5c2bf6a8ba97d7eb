package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Reads Kubernetes {@code metadata}: the name and namespace that identify a resource. */
final class MetadataReader {
    /** Written by the API server; they appear in {@code kubectl get -o yaml} output and mean nothing here. */
    private static final List<String> SERVER_WRITTEN =
            List.of("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields");
    private static final List<String> UNSUPPORTED = List.of("generateName", "selfLink", "deletionTimestamp",
            "deletionGracePeriodSeconds", "ownerReferences", "finalizers");

    private MetadataReader() {
    }

    /** The id a document names, or null when it has no usable kind or name; read before any message is made. */
    static ResourceId identify(JsonNode doc) {
        JsonNode kind = doc.get("kind");
        JsonNode metadata = doc.get("metadata");
        if (kind == null || !kind.isTextual() || kind.textValue().isEmpty() || metadata == null
                || !metadata.isObject()) {
            return null;
        }
        JsonNode name = metadata.get("name");
        if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
            return null;
        }
        JsonNode ns = metadata.get("namespace");
        String namespace = ns != null && ns.isTextual() && !ns.textValue().isEmpty()
                ? ns.textValue() : ResourceId.DEFAULT_NAMESPACE;
        return new ResourceId(kind.textValue(), namespace, name.textValue());
    }

    /** @param context appended to "required" when the resource cannot be named yet, e.g. " (document at line 7)" */
    static void check(Node metadata, String context) {
        String name = metadata.string("name");
        if (name == null && !metadata.has("name")) {
            metadata.error("name", "required" + context);
        } else if (name != null && !HostSyntax.isSubdomain(name)) {
            metadata.error("name", "\"" + name + "\" is not a valid name (expected: a DNS-1123 subdomain: lower-case"
                    + " letters, digits, '-' and '.', at most 253 characters)" + context);
        }
        String namespace = metadata.string("namespace");
        if (namespace != null && !HostSyntax.isLabel(namespace)) {
            metadata.error("namespace", "\"" + namespace + "\" is not a valid namespace (expected: a DNS-1123 label:"
                    + " lower-case letters, digits and '-', at most 63 characters)");
        }
        metadata.stringMap("labels");
        metadata.stringMap("annotations");
        SERVER_WRITTEN.forEach(metadata::allow);
        for (String f : UNSUPPORTED) {
            if (metadata.has(f)) {
                metadata.error(f, "not supported by Portcullis (metadata may have name, namespace, labels and"
                        + " annotations)");
            }
        }
    }
}
