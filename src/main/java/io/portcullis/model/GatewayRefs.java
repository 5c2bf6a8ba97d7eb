package io.portcullis.model;

import java.util.List;

/**
 * Reads and resolves the gateway names of a VirtualService: {@code mesh}, {@code name},
 * {@code namespace/name}, or the legacy {@code name.namespace.svc.cluster.local}.
 */
final class GatewayRefs {
    private GatewayRefs() {
    }

    static List<String> read(Node node, String field) {
        List<String> refs = node.strings(field);
        for (int i = 0; i < refs.size(); i++) {
            String ref = refs.get(i);
            String where = node.elementPath(field, i);
            int slash = ref.indexOf('/');
            if (slash >= 0) {
                String ns = ref.substring(0, slash);
                String name = ref.substring(slash + 1);
                if (!HostSyntax.isLabel(ns) || !HostSyntax.isLabel(name)) {
                    node.findings().error(where, "\"" + ref + "\" is not a gateway reference (expected: mesh, name or"
                            + " namespace/name)");
                }
            } else if (ref.contains(".")) {
                String[] labels = LiteralSplit.droppingTrailingEmpty(ref, '.');
                if (!HostSyntax.isSubdomain(ref) || labels.length < 2) {
                    node.findings().error(where, "\"" + ref + "\" is not a gateway reference (expected: mesh, name or"
                            + " namespace/name)");
                } else {
                    node.findings().warning(where, "legacy gateway name \"" + ref + "\"; prefer namespace/name: \""
                            + labels[1] + "/" + labels[0] + "\"");
                }
            } else if (!HostSyntax.isLabel(ref)) {
                node.findings().error(where, "\"" + ref + "\" is not a gateway reference (expected: mesh, name or"
                        + " namespace/name)");
            }
        }
        return refs;
    }

    /** The Gateway {@code ref} names, seen from a VirtualService in {@code namespace}; null for {@code mesh}. */
    static ResourceId resolve(String ref, String namespace) {
        if (ref.equals(VirtualService.MESH)) {
            return null;
        }
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            return new ResourceId("Gateway", ref.substring(0, slash), ref.substring(slash + 1));
        }
        String[] labels = LiteralSplit.droppingTrailingEmpty(ref, '.');
        if (labels.length >= 2) {
            return new ResourceId("Gateway", labels[1], labels[0]);
        }
        return new ResourceId("Gateway", namespace, ref);
    }
}
