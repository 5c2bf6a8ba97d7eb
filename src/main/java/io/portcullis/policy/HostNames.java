package io.portcullis.policy;

import java.util.Locale;

/** The one normalisation every host name goes through before it is matched. */
public final class HostNames {
    private HostNames() {
    }

    /** Lower-case, without a trailing dot, without IPv6 brackets. */
    public static String normalize(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h;
    }

    /** Whether {@code pattern} (an exact name or {@code *.suffix}) matches {@code host}; both normalised. */
    public static boolean matches(String pattern, String host) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            return host.endsWith(pattern.substring(1)) && host.length() > pattern.length() - 1;
        }
        return pattern.equals(host);
    }
}
