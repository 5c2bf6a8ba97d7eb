package io.portcullis.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The syntax of the names Istio resources carry: host names with an optional {@code *.} wildcard
 * label, and the DNS-1123 labels and subdomains Kubernetes uses for object names.
 */
final class HostSyntax {
    /** What a label is; {@link #isLabel(String, int, int)} scans for it without the regular expression. */
    static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int MAX_NAME = 253;

    private HostSyntax() {
    }

    static String lower(String host) {
        return host.toLowerCase(Locale.ROOT);
    }

    /** A DNS-1123 label: what Kubernetes requires of a namespace, and Istio of port and subset names. */
    static boolean isLabel(String s) {
        return s != null && isLabel(s, 0, s.length());
    }

    /**
     * A DNS-1123 subdomain: what Kubernetes requires of {@code metadata.name}. Scanned character by
     * character (no split, no regular expression): every host name of every resource goes through
     * here on each parse, and a 4 MiB ServiceEntry holds 150,000 of them.
     */
    static boolean isSubdomain(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_NAME) {
            return false;
        }
        int start = 0;
        while (true) {
            int dot = s.indexOf('.', start);
            int end = dot < 0 ? s.length() : dot;
            if (!isLabel(s, start, end)) {
                return false;
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }

    /** Whether {@code s[from, to)} matches {@link #LABEL}: 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'. */
    private static boolean isLabel(String s, int from, int to) {
        int length = to - from;
        if (length < 1 || length > 63 || s.charAt(from) == '-' || s.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Istio's partial wildcard: a first label of {@code *} or {@code *-} followed by letters and digits
     * ({@code *foo.example.com}, {@code *-api.example.com}). Istio accepts it in service entries and routes.
     */
    static boolean isPartialWildcard(String host) {
        int dot = host.indexOf('.');
        String first = dot < 0 ? host : host.substring(0, dot);
        if (!first.startsWith("*") || first.equals("*") || first.length() > 63) {
            return false;
        }
        String rest = first.startsWith("*-") ? first.substring(2) : first.substring(1);
        return isLabel(rest) && (dot < 0 || isSubdomain(host.substring(dot + 1)));
    }

    /**
     * Istio's internal SNI name for AUTO_PASSTHROUGH gateways, {@code outbound_.PORT_._.HOST}
     * (e.g. {@code outbound_.15010_._.istiod.istio-system.svc.cluster.local}).
     */
    static boolean isOutboundSniName(String host) {
        if (!host.startsWith("outbound_")) {
            return false;
        }
        String[] parts = host.split("_", -1);
        if (parts.length < 4) {
            return false;
        }
        String port = parts[1].replaceAll("^\\.+|\\.+$", "");
        String name = parts[3].replaceAll("^\\.+|\\.+$", "");
        return port.matches("[0-9].*") && name.matches("[a-zA-Z].*");
    }

    static boolean isWildcard(String host) {
        return host.equals("*") || host.startsWith("*.");
    }

    /**
     * Why {@code host} (already lower-case) is not an exact DNS name or a {@code *.suffix} wildcard,
     * or null when it is one. A bare {@code *} is accepted only when {@code allowStar}.
     */
    static String hostProblem(String host, boolean allowStar) {
        if (host.isEmpty()) {
            return "must not be empty";
        }
        if (host.equals("*")) {
            return allowStar ? null : "\"*\" is not allowed here (expected: a DNS name or *.suffix)";
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (isPartialWildcard(host)) {
            if (host.indexOf('.') < 0) {
                return null;
            }
            name = host.substring(host.indexOf('.') + 1);
        }
        if (name.contains("*")) {
            return "\"" + host + "\" is not a valid host: \"*\" may only be the whole first label (*.example.com)";
        }
        if (!isSubdomain(name)) {
            return "\"" + host + "\" is not a valid host name (expected: DNS labels of letters, digits and '-',"
                    + " separated by '.', at most 253 characters, or *.suffix)";
        }
        return null;
    }

    /** Whether every name {@code inner} matches is also matched by {@code outer} (both lower-case). */
    static boolean isSubsetOf(String inner, String outer) {
        if (outer.equals("*") || inner.equals(outer)) {
            return true;
        }
        if (inner.equals("*")) {
            return false;
        }
        if (outer.startsWith("*.")) {
            String suffix = outer.substring(1);
            String innerName = inner.startsWith("*.") ? inner.substring(1) : inner;
            return innerName.endsWith(suffix) && innerName.length() > suffix.length();
        }
        // Equal names returned true above; a plain outer name covers no other.
        return false;
    }

    /** Whether {@code pattern} (exact or wildcard) matches the exact name {@code host}. */
    static boolean matches(String pattern, String host) {
        return isSubsetOf(host, pattern);
    }

    /**
     * Reads a required, non-empty list of hosts, lower-cased; each bad one is reported at its index.
     * IP literals are valid DNS-looking names already, so they pass as hosts, as in Istio.
     */
    static List<String> readHosts(Node node, String field, boolean allowStar) {
        List<String> raw = node.strings(field);
        if (raw.isEmpty()) {
            if (node.isEmptyList(field)) {
                node.error(field, "required (at least one host)");
            }
            return raw;
        }
        List<String> hosts = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String host = lower(raw.get(i));
            String problem = hostProblem(host, allowStar);
            if (problem != null) {
                node.findings().error(node.elementPath(field, i), problem);
            } else if (isPartialWildcard(host)) {
                // Left out of the model: Portcullis's wildcard index takes whole labels only.
                node.findings().warning(node.elementPath(field, i), "\"" + host + "\" is a partial wildcard; accepted"
                        + " but not acted on by Portcullis (it matches \"*\" only as a whole first label, *.example.com)");
                continue;
            }
            hosts.add(host);
        }
        return hosts;
    }

    static boolean isIpLiteral(String s) {
        return Cidr.literalBytes(s) != null;
    }
}
