package io.portcullis.model;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code exportTo}: {@code .}, {@code *}, namespace names, and {@code ~} on a ServiceEntry. */
final class ExportTo {
    private ExportTo() {
    }

    static List<String> read(Node spec, boolean serviceEntry) {
        return read(spec, serviceEntry, null, false);
    }

    /**
     * @param namespace the resource's own namespace, which {@code .} stands for (null when unknown)
     * @param selectsWorkloads a DestinationRule with a workloadSelector, which Istio keeps in its own namespace
     */
    static List<String> read(Node spec, boolean serviceEntry, String namespace, boolean selectsWorkloads) {
        List<String> values = spec.strings("exportTo");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String where = spec.elementPath("exportTo", i);
            boolean reserved = v.equals(".") || v.equals("*") || (serviceEntry && v.equals("~"));
            String key = v.equals(".") && namespace != null ? namespace : v;
            if (!reserved && !HostSyntax.isLabel(v)) {
                spec.findings().error(where, "\"" + v + "\" is not a namespace name, \".\" or \"*\""
                        + (serviceEntry ? " or \"~\"" : ""));
            } else if (!seen.add(key)) {
                spec.findings().error(where, key.equals(v) ? "\"" + v + "\" is listed twice"
                        : "\".\" and \"" + namespace + "\" are the same namespace, listed twice");
            } else if ((v.equals("*") || v.equals("~")) && values.size() > 1) {
                spec.findings().error(where, "\"" + v + "\" cannot be combined with other exportTo values");
            }
        }
        if (selectsWorkloads && !values.isEmpty()
                && (seen.size() > 1 || !seen.contains(namespace == null ? "." : namespace))) {
            spec.error("exportTo", "a DestinationRule with a workloadSelector can only be exported to its own"
                    + " namespace (\".\")");
        }
        return values;
    }
}
