package io.portcullis.sources.store;

import java.util.List;

/**
 * Resources to write, all together or not at all: every document of every file.
 *
 * @param files     the texts as the client read them; their names appear in validation errors
 * @param namespace the namespace of documents that name none
 * @param mode      whether the resources may, must not or must already exist
 * @param dryRun    validate and report what would happen, write nothing
 */
public record ApplyRequest(List<SourceFile> files, String namespace, Mode mode, boolean dryRun) {
    public ApplyRequest {
        files = List.copyOf(files);
    }

    /** One file of the request; YAML unless {@code name} ends in {@code .json}. */
    public record SourceFile(String name, String text) {}

    public enum Mode {
        /** Create what is missing, replace what exists ({@code kubectl apply}). */
        APPLY,
        /** Only create ({@code POST}): an existing resource is refused as AlreadyExists. */
        CREATE,
        /** Only replace ({@code PUT}): a missing resource is refused as NotFound. */
        REPLACE
    }
}
