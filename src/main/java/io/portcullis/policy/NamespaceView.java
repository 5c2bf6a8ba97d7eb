package io.portcullis.policy;

import io.portcullis.model.ResourceId;
import io.portcullis.model.ServiceEntry;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What callers from one namespace see: the ServiceEntries exported to it (and imported by the
 * Sidecar that applies to it), indexed for lookups, and the outbound mode for what none of them
 * declares. One per namespace a configuration names, one for every other namespace (and for
 * callers without a namespace). Immutable.
 *
 * @param namespace the namespace; null for "any other namespace, or none"
 * @param index     the lookups over the visible entries only
 * @param entries   the visible entries, in configuration order
 * @param outbound  the Sidecar's {@code outboundTrafficPolicy.mode}, else the global one
 * @param imports   the import lists of the Sidecar that applies; empty when none does
 */
record NamespaceView(@Nullable String namespace, ServiceEntryIndex index, List<ServiceEntry> entries,
                     OutboundPolicy outbound, Optional<SidecarImports> imports) {

    /** The Sidecar that applies to these callers, if any. */
    Optional<ResourceId> sidecar() {
        return imports.map(i -> i.sidecar().id());
    }

    /** How messages name callers from {@code namespace}: {@code namespace team-a}, or {@code callers without a namespace}. */
    static String callers(@Nullable String namespace) {
        return namespace == null ? "callers without a namespace" : "namespace " + namespace;
    }
}
