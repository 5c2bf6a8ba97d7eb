package io.portcullis.sources.kubernetes;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which one version of a kind to watch. An API server serves a CRD's objects under every version
 * the CRD serves, converted, so watching several would see each object several times: watch
 * {@code v1} where it is served, else the newest served version in Kubernetes' own order
 * (GA before beta before alpha, then by number: v1beta2 &gt; v1beta1 &gt; v1alpha3).
 */
final class ServedVersions {
    private static final Pattern VERSION = Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

    private ServedVersions() {
    }

    static Optional<String> choose(List<String> served) {
        if (served.contains("v1")) {
            return Optional.of("v1");
        }
        return served.stream().filter(v -> VERSION.matcher(v).matches()).max(ORDER);
    }

    /** Kubernetes version priority: stability first (GA, beta, alpha), then the major, then the minor number. */
    static final Comparator<String> ORDER = Comparator.comparingInt((String v) -> stability(v))
            .thenComparingInt(v -> number(v, 1)).thenComparingInt(v -> number(v, 3));

    private static int stability(String v) {
        Matcher m = VERSION.matcher(v);
        m.matches();
        return m.group(2) == null ? 2 : m.group(2).equals("beta") ? 1 : 0;
    }

    private static int number(String v, int group) {
        Matcher m = VERSION.matcher(v);
        m.matches();
        return m.group(group) == null ? 0 : Integer.parseInt(m.group(group));
    }
}
