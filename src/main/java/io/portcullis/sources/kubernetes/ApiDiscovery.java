package io.portcullis.sources.kubernetes;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.portcullis.model.ResourceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which version of each Istio kind the API server serves, through discovery
 * ({@code /apis/GROUP/VERSION}, each asked once): {@code v1} when served, else the newest served
 * version ({@link ServedVersions}). Blocking HTTP calls.
 */
final class ApiDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(ApiDiscovery.class);

    /** Discovery could not be answered (API server away, RBAC); the message says which call and why. */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message, null, false, false);
        }
    }

    private ApiDiscovery() {
    }

    /** The kinds served, each with its version; a kind the cluster does not serve is logged and left out. */
    static List<WatchedKind> discover(KubernetesClient client) throws Failed {
        Map<String, Optional<APIResourceList>> asked = new HashMap<>();
        List<WatchedKind> kinds = new ArrayList<>();
        for (ResourceKind kind : WatchedKind.KINDS) {
            List<String> served = new ArrayList<>();
            for (String version : kind.versions()) {
                String groupVersion = kind.group() + "/" + version;
                Optional<APIResourceList> resources = asked.get(groupVersion);
                if (resources == null) {
                    resources = resources(client, groupVersion);
                    asked.put(groupVersion, resources);
                }
                if (resources.isPresent() && resources.get().getResources().stream().map(APIResource::getName)
                        .anyMatch(kind.plural()::equals)) {
                    served.add(version);
                }
            }
            Optional<String> version = ServedVersions.choose(served);
            if (version.isEmpty()) {
                LOG.error("the API server serves no {} in versions {}; is its CustomResourceDefinition installed?"
                        + " Not watched", kind.qualifiedPlural(), kind.versions());
            } else {
                kinds.add(new WatchedKind(kind, version.get()));
            }
        }
        return kinds;
    }

    private static Optional<APIResourceList> resources(KubernetesClient client, String groupVersion) throws Failed {
        try {
            return Optional.ofNullable(client.getApiResources(groupVersion));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw new Failed(ApiErrors.describe(e, "get", "/apis/" + groupVersion, "(API discovery)"));
        }
    }
}
