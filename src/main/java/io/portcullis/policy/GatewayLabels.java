package io.portcullis.policy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The labels of this gateway instance, which decide the {@code Gateway} resources it serves, as
 * Istio's {@code Gateway.selector} does: a Gateway is served when every label of its selector is
 * among the instance's labels with the same value; an empty selector selects every instance.
 *
 * <p>An instance started without labels ({@link #unset()}) serves every Gateway, whatever its
 * selector: one standalone process plays all the gateway Deployments of Istio's articles (the
 * {@code istio: egressgateway} one and the {@code istio: egressgateway-with-sni-proxy} one), as it
 * did before labels existed. Labels are for instances that share one configuration (a folder, or a
 * cluster) and serve different Gateways.
 *
 * @param labels empty for an instance without labels
 */
public record GatewayLabels(Optional<Map<String, String>> labels) {
    // Kubernetes label syntax: an optional DNS-subdomain prefix and '/', then a name of at most 63
    // characters; values are at most 63 characters of the same alphabet, or empty.
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    public GatewayLabels {
        labels = labels.map(m -> Map.copyOf(new TreeMap<>(m)));
    }

    /** An instance without labels: it serves every Gateway. */
    public static GatewayLabels unset() {
        return new GatewayLabels(Optional.empty());
    }

    /** An instance with exactly these labels (checked against Kubernetes' label syntax). */
    public static GatewayLabels of(Map<String, String> labels) {
        labels.forEach(GatewayLabels::check);
        return new GatewayLabels(Optional.of(labels));
    }

    /**
     * Parses {@code key=value,key=value} as {@code --gateway-labels} takes it.
     *
     * @throws IllegalArgumentException naming the pair that is not a label
     */
    public static GatewayLabels parse(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : text.split(",", -1)) {
            String p = pair.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + p + "' is not a label (expected: key=value)");
            }
            String key = p.substring(0, eq).trim();
            if (labels.put(key, p.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("label '" + key + "' is given twice");
            }
        }
        return of(labels);
    }

    /** Whether this instance serves a Gateway with {@code selector}. */
    public boolean selects(Map<String, String> selector) {
        if (labels.isEmpty()) {
            return true;
        }
        Map<String, String> own = labels.get();
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(own.get(e.getKey())));
    }

    /** {@code {app=x, istio=egressgateway}}, or {@code (none: every Gateway)}. */
    @Override
    public String toString() {
        return labels.map(Map::toString).orElse("(none: every Gateway)");
    }

    static void check(String key, String value) {
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0 && !PREFIX.matcher(key.substring(0, slash)).matches()) {
            throw new IllegalArgumentException("label '" + key + "': the prefix before '/' is not a DNS subdomain");
        }
        if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("label '" + key + "' is not a label name (expected: at most 63 of"
                    + " [A-Za-z0-9-_.], beginning and ending with a letter or digit)");
        }
        if (value.length() > 63 || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("label " + key + "=" + value + ": the value is not a label value"
                    + " (expected: at most 63 of [A-Za-z0-9-_.], beginning and ending with a letter or digit, or empty)");
        }
    }
}
