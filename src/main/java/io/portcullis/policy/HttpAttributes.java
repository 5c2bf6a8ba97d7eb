package io.portcullis.policy;

import java.util.List;
import java.util.Map;

/**
 * What an HTTP request tells an AuthorizationPolicy beyond its connection: what Istio's
 * {@code to.operation} methods and path lists, and the {@code request.headers[NAME]} conditions, match.
 *
 * @param method  the request method as sent, e.g. {@code GET}, {@code CONNECT}
 * @param path    the request path as Envoy's RBAC filter sees it: without query and fragment, normalized
 *                as RFC 3986 says (see {@link RequestPaths#forMatching}); null for CONNECT, which has no
 *                {@code :path} (a rule listing paths does not match it; one listing only notPaths does)
 * @param headers the request's header values by name
 */
public record HttpAttributes(String method, String path, Headers headers) {

    /** A request's header values; implementations must not block (they read the parsed request). */
    @FunctionalInterface
    public interface Headers {
        /** The values of header {@code name} (lower case), in the order received; empty when absent. */
        List<String> values(String name);

        /** No headers (a CONNECT seen by {@code check}, a test). */
        Headers NONE = name -> List.of();

        /** Headers from a map whose keys are lower-case names. */
        static Headers of(Map<String, List<String>> byName) {
            Map<String, List<String>> copy = Map.copyOf(byName);
            return name -> copy.getOrDefault(name, List.of());
        }
    }

    /** The attributes of a request whose target is {@code target} (origin or absolute form). */
    public static HttpAttributes of(String method, String target, Headers headers) {
        return new HttpAttributes(method, RequestPaths.forMatching(target), headers);
    }
}
