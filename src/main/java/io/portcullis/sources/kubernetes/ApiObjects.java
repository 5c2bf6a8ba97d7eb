package io.portcullis.sources.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.portcullis.model.ParsedFile;
import io.portcullis.model.ResourceParser;
import java.util.List;
import java.util.Optional;

/**
 * Turns an object from the API server into what a configuration file would hold, and reads it
 * with the folder's own parser, so that validation messages are the same in both modes. The
 * fields that describe an object's life in the cluster rather than configuration
 * ({@code ownerReferences}, {@code finalizers}, deletion marks...) and {@code status} are
 * dropped first. Stateless and thread-safe.
 */
final class ApiObjects {
    /** The condition {@link StatusWriter} writes; its message is what marks an object as rejected by Portcullis. */
    static final String CONDITION_REASON = "PortcullisRejected";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LIFECYCLE = List.of("ownerReferences", "finalizers", "deletionTimestamp",
            "deletionGracePeriodSeconds", "selfLink", "generateName", "managedFields");

    private ApiObjects() {
    }

    record Read(ApiObject object, ParsedFile parsed) {
    }

    static Read read(HasMetadata resource) {
        ObjectNode tree = JSON.valueToTree(resource);
        JsonNode status = tree.remove("status");
        JsonNode metadata = tree.get("metadata");
        if (metadata instanceof ObjectNode m) {
            LIFECYCLE.forEach(m::remove);
        }
        ObjectMeta meta = resource.getMetadata();
        Long generation = meta.getGeneration();
        ApiObject object = new ApiObject(resource.getApiVersion(), resource.getKind(),
                meta.getNamespace() == null ? "default" : meta.getNamespace(), meta.getName(), meta.getUid(),
                generation == null ? 0 : generation, meta.getCreationTimestamp(), statusMark(status));
        // The same parser as a file's, on the tree's JSON text.
        return new Read(object, ResourceParser.parseJson(ClusterState.ORIGIN, tree.toString()));
    }

    /** The message of the condition Portcullis wrote, when the status carries one. */
    private static Optional<String> statusMark(JsonNode status) {
        if (status == null || !status.path("conditions").isArray()) {
            return Optional.empty();
        }
        for (JsonNode c : status.get("conditions")) {
            if (CONDITION_REASON.equals(c.path("reason").asText())) {
                return Optional.of(c.path("message").asText());
            }
        }
        return Optional.empty();
    }
}
