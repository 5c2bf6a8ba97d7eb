package io.portcullis.sources.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.Problem;
import io.portcullis.model.ResourceKind;
import java.util.List;
import java.util.Locale;

/**
 * What a write did, resource by resource, with the warnings found on the way.
 *
 * @param dryRun whether nothing was written (the outcomes say what would have been done)
 */
public record ApplyResult(List<Outcome> outcomes, List<Problem> warnings, boolean dryRun) {
    public ApplyResult {
        outcomes = List.copyOf(outcomes);
        warnings = List.copyOf(warnings);
    }

    /** {@code created}, {@code configured}, {@code unchanged} and {@code deleted}, as kubectl prints them. */
    public enum Action {
        CREATED, CONFIGURED, UNCHANGED, DELETED;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What applying did to one resource.
     *
     * @param object the resource as now stored (as it was, for a deletion), with its resourceVersion
     */
    public record Outcome(ResourceKind kind, String namespace, String name, Action action, String resourceVersion,
                          ObjectNode object) {}
}
