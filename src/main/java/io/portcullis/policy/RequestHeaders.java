package io.portcullis.policy;

import java.util.List;
import java.util.Optional;

/**
 * A read-only view of one HTTP request's headers, for decisions on HTTP fields (AuthorizationPolicy
 * {@code request.headers}, routes by header). Names are case-insensitive (RFC 9110 section 5.1).
 */
public interface RequestHeaders {
    RequestHeaders NONE = name -> List.of();

    /** Every value of the header {@code name}, in order; empty when absent. */
    List<String> all(String name);

    /** The first value of the header {@code name}. */
    default Optional<String> first(String name) {
        List<String> values = all(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
