package io.portcullis.model;

import io.portcullis.model.VirtualService.Destination;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code VirtualService.http[]}: one HTTP route, its matches (any one fits; none means every request) and
 * what it does with a request it takes: send it to weighted destinations, rewrite it, bound it in time, retry
 * it, change its headers, inject faults, or answer it directly (redirect, direct response).
 *
 * @param name     the route's {@code name}, empty when absent
 * @param index    its position in {@code spec.http}, for names and messages
 * @param timeout  {@code timeout}; empty: none (Istio's default)
 * @param retries  {@code retries}; absent means Istio's default policy ({@link Retries#ISTIO_DEFAULT})
 */
public record HttpRoute(
        String name,
        int index,
        List<HttpMatch> match,
        List<HttpDestination> route,
        Optional<Rewrite> rewrite,
        Optional<Duration> timeout,
        Retries retries,
        HeaderOperations requestHeaders,
        HeaderOperations responseHeaders,
        Optional<Fault> fault,
        Optional<Redirect> redirect,
        Optional<DirectResponse> directResponse) {

    public HttpRoute {
        match = List.copyOf(match);
        route = List.copyOf(route);
    }

    /** How a string is matched: {@code exact}, {@code prefix} or {@code regex} (RE2, whole string). */
    public enum MatchKind { EXACT, PREFIX, REGEX }

    /** {@code StringMatch}. */
    public record StringMatch(MatchKind kind, String value) {
    }

    /**
     * {@code HTTPMatchRequest}: every condition given must hold.
     *
     * @param name           the match's {@code name}, empty when absent
     * @param headers        by lower-case header name
     * @param withoutHeaders headers that must not match (an empty-valued entry: must be absent)
     * @param port           0 when absent
     * @param gateways       empty means the VirtualService's own {@code gateways}
     */
    public record HttpMatch(String name, Optional<StringMatch> uri, Optional<StringMatch> scheme,
                            Optional<StringMatch> method, Optional<StringMatch> authority,
                            Map<String, StringMatch> headers, Map<String, Optional<StringMatch>> withoutHeaders,
                            Map<String, StringMatch> queryParams, int port, List<String> gateways,
                            boolean ignoreUriCase) {
        public HttpMatch {
            headers = Map.copyOf(headers);
            withoutHeaders = Map.copyOf(withoutHeaders);
            queryParams = Map.copyOf(queryParams);
            gateways = List.copyOf(gateways);
        }

        public static final HttpMatch ANY = new HttpMatch("", Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of(), Map.of(), Map.of(), 0, List.of(), false);
    }

    /** {@code HTTPRouteDestination}: a destination, its weight (0 when absent) and its own header operations. */
    public record HttpDestination(Destination destination, int weight, HeaderOperations requestHeaders,
                                  HeaderOperations responseHeaders) {
    }

    /** {@code Headers.HeaderOperations}: header names lower-case. */
    public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
        public static final HeaderOperations NONE = new HeaderOperations(Map.of(), Map.of(), List.of());

        public HeaderOperations {
            set = Map.copyOf(set);
            add = Map.copyOf(add);
            remove = List.copyOf(remove);
        }

        public boolean isEmpty() {
            return set.isEmpty() && add.isEmpty() && remove.isEmpty();
        }
    }

    /** {@code HTTPRewrite}: {@code uri} replaces the matched prefix (or the whole path); empty strings: unchanged. */
    public record Rewrite(String uri, String authority) {
    }

    /**
     * {@code HTTPRetry}, with Envoy's meaning of each {@code retryOn} condition.
     *
     * @param attempts      retries after the first try; 0: none
     * @param perTryTimeout empty: each try may take the route's whole timeout
     * @param retryOn       conditions, e.g. {@code 5xx}, {@code connect-failure}; HTTP status codes as text
     */
    public record Retries(int attempts, Optional<Duration> perTryTimeout, Set<String> retryOn) {
        /** What Istio configures when a route says nothing: 2 retries on connection failures and 503. */
        public static final Retries ISTIO_DEFAULT = new Retries(2, Optional.empty(),
                Set.of("connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes", "503"));
        public static final Retries NONE = new Retries(0, Optional.empty(), Set.of());

        public Retries {
            retryOn = Set.copyOf(retryOn);
        }
    }

    /** {@code HTTPFaultInjection}: a delay before forwarding and/or an abort instead of forwarding. */
    public record Fault(Optional<Delay> delay, Optional<Abort> abort) {
    }

    /** {@code fixedDelay} applied to {@code percent} (0-100) of requests. */
    public record Delay(Duration fixedDelay, double percent) {
    }

    /** Answer {@code httpStatus} to {@code percent} (0-100) of requests, without forwarding them. */
    public record Abort(int httpStatus, double percent) {
    }

    /**
     * {@code HTTPRedirect}: empty strings and 0 keep the request's own value.
     *
     * @param code 301 when absent, as in Istio
     */
    public record Redirect(String uri, String authority, String scheme, int port, int code) {
    }

    /** {@code HTTPDirectResponse}: a status and a body ({@code body.string}; empty when absent). */
    public record DirectResponse(int status, String body) {
    }
}
