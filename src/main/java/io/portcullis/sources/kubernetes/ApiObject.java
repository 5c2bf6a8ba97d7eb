package io.portcullis.sources.kubernetes;

import io.portcullis.model.ResourceId;
import java.util.Optional;

/**
 * One object as the API server holds it: what status patches and Events name it by.
 *
 * @param statusMark the message of the rejection this gateway last wrote to the object's status, if any
 */
public record ApiObject(String apiVersion, String kind, String namespace, String name, String uid,
                        long generation, String creationTimestamp, Optional<String> statusMark) {
    public ResourceId id() {
        return new ResourceId(kind, namespace, name);
    }

    @Override
    public String toString() {
        return kind + "/" + namespace + "/" + name;
    }
}
