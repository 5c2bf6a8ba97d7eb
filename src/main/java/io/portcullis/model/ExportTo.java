package io.portcullis.model;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code exportTo}: {@code .}, {@code *}, namespace names, and {@code ~} on a ServiceEntry. */
final class ExportTo {
    private ExportTo() {
    }

    static List<String> read(Node spec, boolean serviceEntry) {
        List<String> values = spec.strings("exportTo");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String where = spec.elementPath("exportTo", i);
            boolean reserved = v.equals(".") || v.equals("*") || (serviceEntry && v.equals("~"));
            if (!reserved && !HostSyntax.isLabel(v)) {
                spec.findings().error(where, "\"" + v + "\" is not a namespace name, \".\" or \"*\""
                        + (serviceEntry ? " or \"~\"" : ""));
            } else if (!seen.add(v)) {
                spec.findings().error(where, "\"" + v + "\" is listed twice");
            } else if ((v.equals("*") || v.equals("~")) && values.size() > 1) {
                spec.findings().error(where, "\"" + v + "\" cannot be combined with other exportTo values");
            }
        }
        return values;
    }
}
