package io.portcullis.sources.kubernetes;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.portcullis.model.ResourceKind;
import java.util.List;

/** The Istio kinds the Kubernetes source watches, and the version discovery chose for each. */
record WatchedKind(ResourceKind kind, String version) {
    static final List<ResourceKind> KINDS = List.of(ResourceKind.SERVICE_ENTRY, ResourceKind.GATEWAY,
            ResourceKind.VIRTUAL_SERVICE, ResourceKind.DESTINATION_RULE, ResourceKind.AUTHORIZATION_POLICY,
            ResourceKind.SIDECAR);

    ResourceDefinitionContext context() {
        return new ResourceDefinitionContext.Builder().withGroup(kind.group()).withVersion(version)
                .withPlural(kind.plural()).withKind(kind.kind()).withNamespaced(true).build();
    }

    /** {@code serviceentries.networking.istio.io/v1}, as RBAC and kubectl name it. */
    String resource() {
        return kind.qualifiedPlural() + "/" + version;
    }
}
