package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Istio's rule for a client {@code credentialName} of the form {@code configmap://NAMESPACE/NAME}: both parts
 * are required, and the namespace must be the DestinationRule's own (a rule cannot read another namespace's
 * CA bundle). Secrets ({@code kubernetes://} or a bare name) have no such rule.
 */
final class ConfigMapCredentialCheck {
    private static final String PREFIX = "configmap://";

    private ConfigMapCredentialCheck() {
    }

    /** Checks every TLS block of a DestinationRule spec: top level, port level, and in each subset. */
    static void check(Node spec, String namespace) {
        policy(spec.raw("trafficPolicy"), spec.fieldPath("trafficPolicy"), namespace, spec.findings());
        JsonNode subsets = spec.raw("subsets");
        if (subsets != null) {
            for (int i = 0; i < subsets.size(); i++) {
                policy(subsets.get(i).get("trafficPolicy"), spec.fieldPath("subsets") + "[" + i + "].trafficPolicy",
                        namespace, spec.findings());
            }
        }
    }

    private static void policy(JsonNode policy, String at, String namespace, Findings findings) {
        if (policy == null || !policy.isObject()) {
            return;
        }
        tls(policy.get("tls"), at + ".tls", namespace, findings);
        JsonNode ports = policy.path("portLevelSettings");
        for (int i = 0; i < ports.size(); i++) {
            tls(ports.get(i).get("tls"), at + ".portLevelSettings[" + i + "].tls", namespace, findings);
        }
    }

    private static void tls(JsonNode tls, String at, String namespace, Findings findings) {
        if (tls == null || !tls.isObject()) {
            return;
        }
        String name = tls.path("credentialName").asText("");
        if (!name.startsWith(PREFIX)) {
            return;
        }
        String[] parts = name.substring(PREFIX.length()).split("/", -1);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            findings.error(at + ".credentialName", "\"" + name + "\" needs a namespace and a name ("
                    + PREFIX + "NAMESPACE/NAME)");
        } else if (!parts[0].equals(namespace)) {
            findings.error(at + ".credentialName", "\"" + name + "\" names namespace " + parts[0]
                    + "; a DestinationRule may only use ConfigMaps of its own namespace (" + namespace + ")");
        }
    }
}
