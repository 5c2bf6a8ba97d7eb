package io.portcullis.model;

import java.util.Objects;

/** Identifies one resource the way errors and logs name it: {@code Kind/namespace/name}. */
public record ResourceId(String kind, String namespace, String name) {
    public static final String DEFAULT_NAMESPACE = "default";

    public ResourceId {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return kind + "/" + namespace + "/" + name;
    }
}
