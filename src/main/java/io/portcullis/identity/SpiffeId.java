package io.portcullis.identity;

import io.portcullis.model.IstioPrincipal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A SPIFFE ID, {@code spiffe://TRUST_DOMAIN/PATH}, as Istio writes a workload's identity into the
 * URI SAN of its certificate: {@code spiffe://cluster.local/ns/NAMESPACE/sa/SERVICE_ACCOUNT}.
 * Parsed strictly after the SPIFFE ID specification (lower-case trust domain of letters, digits,
 * '.', '-' and '_'; a path of non-empty segments without '.' or '..'; no query, fragment, port or
 * user info). Immutable.
 *
 * @param trustDomain e.g. {@code cluster.local}
 * @param path        e.g. {@code /ns/default/sa/sleep}; never empty for a workload
 */
public record SpiffeId(String trustDomain, String path) {
    public static final String SCHEME = "spiffe";

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with a reason fit for a command-line or log message
     */
    public static SpiffeId parse(String text) {
        String prefix = SCHEME + "://";
        if (text == null || !text.startsWith(prefix)) {
            throw new IllegalArgumentException("'" + text + "' is not a SPIFFE ID (expected: spiffe://TRUST_DOMAIN/PATH,"
                    + " e.g. spiffe://cluster.local/ns/default/sa/sleep)");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a SPIFFE ID: " + e.getReason());
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null || uri.getPort() != -1) {
            throw new IllegalArgumentException("'" + text + "' is not a SPIFFE ID: no port, user, query or fragment allowed");
        }
        String domain = uri.getRawAuthority();
        if (domain == null || domain.isEmpty() || !domain.equals(domain.toLowerCase(Locale.ROOT))
                || !domain.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
            throw new IllegalArgumentException("'" + text + "' has no valid trust domain (expected lower-case letters,"
                    + " digits, '.', '-' and '_')");
        }
        String path = uri.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            throw new IllegalArgumentException("'" + text + "' names a trust domain, not a workload (expected a path such"
                    + " as /ns/NAMESPACE/sa/SERVICE_ACCOUNT)");
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("'" + text + "' has an empty, '.' or '..' path segment");
            }
            if (!segment.chars().allMatch(c -> (Character.isLetterOrDigit(c) && c < 128) || c == '.' || c == '-' || c == '_')) {
                throw new IllegalArgumentException("'" + text + "' has a path segment with characters outside"
                        + " letters, digits, '.', '-' and '_'");
            }
        }
        return new SpiffeId(domain, path);
    }

    /** Istio's principal form, without the scheme: {@code cluster.local/ns/default/sa/sleep}. */
    public String principal() {
        return trustDomain + path;
    }

    /**
     * The namespace of an Istio identity ({@code /ns/NAMESPACE/...}), or null for other paths: read as
     * everywhere else, by {@link IstioPrincipal#namespace()}.
     */
    public @Nullable String namespace() {
        return IstioPrincipal.of(principal()).namespace().orElse(null);
    }

    @Override
    public String toString() {
        return SCHEME + "://" + trustDomain + path;
    }
}
