package io.portcullis.model;

import java.util.List;
import java.util.Map;

/**
 * Accepts the two EnvoyFilters of Istio's wildcard-egress article, whose behaviour Portcullis has
 * built in, with a warning and no resource; refuses every other EnvoyFilter, since Portcullis is
 * not Envoy and cannot apply one.
 */
final class EnvoyFilterCheck {
    private static final Map<String, String> BUILT_IN = Map.of(
            "forward_downstream_sni", "a sidecar forwards the original SNI to the gateway by itself",
            "sni_verifier", "the gateway checks the inner SNI against the one the sidecar announced by itself");
    private static final String ONLY = "Portcullis runs no Envoy filters; only " + String.join(" and ",
            BUILT_IN.keySet().stream().sorted().toList()) + " are accepted, as Portcullis does both by itself";

    private EnvoyFilterCheck() {
    }

    static void check(Node spec) {
        spec.allow("workloadLabels", "workloadSelector", "priority", "targetRef", "targetRefs");
        if (spec.has("configPatches")) {
            spec.error("configPatches", "EnvoyFilter configPatches are not supported: " + ONLY);
        }
        if (spec.isEmptyList("filters") && !spec.has("configPatches")) {
            spec.errorHere("EnvoyFilter without filters is not supported: " + ONLY);
        }
        List<Node> filters = spec.children("filters", "EnvoyFilter.Filter");
        for (Node f : filters) {
            f.allow("listenerMatch", "insertPosition", "filterType", "filterConfig");
            String name = f.requiredString("filterName");
            if (name == null) {
                continue;
            }
            String builtIn = BUILT_IN.get(name);
            if (builtIn == null) {
                f.error("filterName", "EnvoyFilter \"" + name + "\" is not supported: " + ONLY);
            } else {
                f.warning("filterName", name + " is built into Portcullis (" + builtIn + "); this EnvoyFilter"
                        + " changes nothing and is not applied");
            }
        }
    }
}
