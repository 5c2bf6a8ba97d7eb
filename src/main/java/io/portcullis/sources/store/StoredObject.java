package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ResourceKind;

/**
 * One resource of the configuration folder as served by the API.
 *
 * @param object the tree as written, with {@code metadata.namespace}, {@code creationTimestamp}
 *               (from the file's modification time when the file has none) and {@code resourceVersion}
 * @param file   the file of the folder that holds it
 */
public record StoredObject(ResourceKind kind, String namespace, String name, String resourceVersion,
                           String creationTimestamp, ObjectNode object, String file) {
}
