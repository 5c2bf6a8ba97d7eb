package io.portcullis.sources.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.ResourceKind;
import java.io.UncheckedIOException;

/**
 * One resource of the configuration folder as served by the API. Made once per file version and
 * shared by every request that serves it, so its tree (and its JSON) must never be changed.
 * Immutable and thread-safe.
 */
public final class StoredObject {
    private final ResourceKind kind;
    private final String namespace;
    private final String name;
    private final String resourceVersion;
    private final String creationTimestamp;
    private final ObjectNode object;
    private final String file;
    private volatile byte[] json;

    /**
     * @param object the tree as written, with {@code metadata.namespace}, {@code creationTimestamp}
     *               (from the file's modification time when the file has none) and {@code resourceVersion}
     * @param file   the file of the folder that holds it
     */
    public StoredObject(ResourceKind kind, String namespace, String name, String resourceVersion,
                        String creationTimestamp, ObjectNode object, String file) {
        this.kind = kind;
        this.namespace = namespace;
        this.name = name;
        this.resourceVersion = resourceVersion;
        this.creationTimestamp = creationTimestamp;
        this.object = object;
        this.file = file;
    }

    public ResourceKind kind() {
        return kind;
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    public String resourceVersion() {
        return resourceVersion;
    }

    public String creationTimestamp() {
        return creationTimestamp;
    }

    /** The tree as served; shared: never change it. */
    public ObjectNode object() {
        return object;
    }

    public String file() {
        return file;
    }

    /** The tree as compact UTF-8 JSON, written once: a list of thousands is then a copy of bytes. Never change the array. */
    public byte[] json() {
        byte[] j = json;
        if (j == null) {
            try {
                j = ObjectText.compactMapper().writeValueAsBytes(object);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("cannot write JSON", e);
            }
            json = j;
        }
        return j;
    }

    @Override
    public String toString() {
        return kind.kind() + "/" + namespace + "/" + name + " (resourceVersion " + resourceVersion + ", in " + file + ")";
    }
}
