package io.portcullis.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A workload's identity in Istio's principal form, {@code TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT}: a
 * SPIFFE ID without its {@code spiffe://} scheme, as AuthorizationPolicy {@code principals} name it.
 * The one place where a caller's namespace is read from its identity; the data plane (exportTo,
 * Sidecar, AuthorizationPolicy {@code namespaces}), {@code check} and the learner all ask here.
 *
 * <p>The namespace is the path segment after the first {@code ns} segment, wherever it stands, as
 * Istio's own {@code namespaces} match reads it ({@code .*}{@code /ns/NAMESPACE/.*}). An identity
 * without such a segment, with an empty one, or under another URI scheme names no namespace.
 *
 * @param text the principal, e.g. {@code cluster.local/ns/default/sa/sleep}
 */
public record IstioPrincipal(String text) {
    private static final String SPIFFE = "spiffe://";
    private static final String NS = "/ns/";

    public IstioPrincipal {
        Objects.requireNonNull(text, "text");
    }

    /** From a SPIFFE ID ({@code spiffe://cluster.local/ns/a/sa/b}) or the principal form itself. */
    public static IstioPrincipal of(String principalOrSpiffeId) {
        return new IstioPrincipal(principalOrSpiffeId.startsWith(SPIFFE)
                ? principalOrSpiffeId.substring(SPIFFE.length()) : principalOrSpiffeId);
    }

    /** The namespace of {@code principalOrSpiffeId}, the short form of {@code of(...).namespace()}. */
    public static Optional<String> namespaceOf(String principalOrSpiffeId) {
        return of(principalOrSpiffeId).namespace();
    }

    /** The namespace this identity names, if it names one. */
    public Optional<String> namespace() {
        if (text.contains("://")) {
            // Another scheme (http://…/ns/x) is no workload identity, whatever its path says.
            return Optional.empty();
        }
        int ns = text.indexOf(NS);
        if (ns < 0) {
            return Optional.empty();
        }
        int start = ns + NS.length();
        int end = text.indexOf('/', start);
        String name = end < 0 ? text.substring(start) : text.substring(start, end);
        return name.isEmpty() ? Optional.empty() : Optional.of(name);
    }

    @Override
    public String toString() {
        return text;
    }
}
