package io.portcullis.policy;

import java.util.Locale;

/**
 * Why a connection was allowed or refused: a stable, machine-readable code that reaches the
 * client (403 body), the access log and the metrics. Codes never change once released.
 */
public enum Reason {
    /** A ServiceEntry declares the destination. */
    DECLARED,
    /** No entry declares it, but the outbound policy is ALLOW_ANY. */
    UNDECLARED_ALLOWED,
    /** No ServiceEntry declares the host (or address) and port. */
    NO_SERVICE_ENTRY,
    /** A gateway listener has no VirtualService route for this connection. */
    NO_ROUTE,
    /** The SNI is not among the Gateway server's hosts. */
    NOT_GATEWAY_HOST,
    /** A TLS listener got a ClientHello without SNI. */
    NO_SNI,
    /** A TLS listener got bytes that are not a TLS ClientHello. */
    NOT_TLS,
    /** The ClientHello exceeded its size limit. */
    CLIENT_HELLO_TOO_LARGE,
    /** The ClientHello (or a request header) did not arrive in time. */
    INSPECT_TIMEOUT,
    /** A request header exceeded its size limit. */
    HEADER_TOO_LARGE,
    /** The request was not valid HTTP, or not a proxy request. */
    BAD_REQUEST,
    /** The destination name did not resolve. */
    DNS_FAILURE,
    /** The upstream refused or did not answer the connection. */
    UPSTREAM_CONNECT_FAILURE,
    /** The listener closed for lack of traffic. */
    IDLE_TIMEOUT,
    /**
     * The SNI does not fit: inside a CONNECT tunnel to an allowed name it names another host that is
     * not allowed; at the gateway, the app's own ClientHello names another host than the sidecar
     * announced (the article's sni_verifier); at a sidecar, the named host does not resolve to the
     * address the app connected to.
     */
    SNI_MISMATCH,
    /**
     * The Host header disagrees with the CONNECT authority or the absolute URI, or appears more than
     * once; at a sidecar, it names a host that does not resolve to the address the app connected to.
     */
    HOST_MISMATCH,
    /** The destination resolved to a loopback, private, link-local… address its entry does not list (SSRF guard). */
    PRIVATE_ADDRESS,
    /** The request's framing is ambiguous: conflicting Content-Length / Transfer-Encoding (request smuggling). */
    AMBIGUOUS_FRAMING,
    /** TLS origination: the upstream certificate is not issued by a trusted CA. */
    UPSTREAM_CERT_UNTRUSTED,
    /** TLS origination: the upstream certificate does not name the host (or the DestinationRule's subjectAltNames). */
    UPSTREAM_CERT_NAME_MISMATCH,
    /** TLS origination: the upstream certificate has expired. */
    UPSTREAM_CERT_EXPIRED,
    /** TLS origination: the upstream certificate is not valid yet. */
    UPSTREAM_CERT_NOT_YET_VALID,
    /** TLS origination: the handshake failed for another reason (protocol, client certificate refused…). */
    UPSTREAM_TLS_FAILURE,
    /** TLS origination: the DestinationRule's TLS settings cannot be used (unreadable file, unsupported mode). */
    UPSTREAM_TLS_CONFIG,
    /**
     * A DestinationRule's {@code connectionPool} limit for the destination is reached: its
     * {@code tcp.maxConnections} connections are open (and, for HTTP, {@code http1MaxPendingRequests}
     * requests wait for one). Envoy's overflow, flag {@code UO}.
     */
    UPSTREAM_OVERFLOW,
    /** The upstream did not connect, or did not answer, in time. */
    UPSTREAM_TIMEOUT,
    /** The upstream closed or reset the connection before its response was complete. */
    UPSTREAM_RESET,
    /** The upstream's response was not valid HTTP. */
    BAD_UPSTREAM_RESPONSE,
    /** Mutual TLS failed: no client certificate, one the mesh CA did not issue, an expired one, or a TLS error. */
    TLS_HANDSHAKE_FAILED,
    /** The certificates a TLS listener or upstream needs could not be loaded (see the operational log). */
    TLS_UNAVAILABLE,
    /** An AuthorizationPolicy refused the caller (the message names the policy and rule). */
    AUTHZ_DENIED,
    /** A connection on the capture port had no iptables original destination (it was not redirected). */
    NO_ORIGINAL_DST,
    /** The sidecar's own upstream connection came back to its capture port (it runs as a captured user). */
    CAPTURE_LOOP,
    /** The client ended its input (FIN) before a complete TLS ClientHello arrived: nothing left to decide on. */
    INCOMPLETE_CLIENT_HELLO,
    /** The upstream address is one of the gateway's own listening sockets: connecting would loop into itself. */
    SELF_CONNECTION,
    /** An HTTP listener got a request in a version other than HTTP/1.x (e.g. HTTP/2 with prior knowledge): 505. */
    UNSUPPORTED_HTTP_VERSION,
    /** The client's connection broke (reset, broken pipe) while an allowed exchange was under way. */
    CLIENT_RESET,
    /**
     * The client ended its side of the connection (FIN, or a full close, which looks the same until
     * the gateway writes) while its HTTP request waited for an answer, and no answer started in time.
     */
    CLIENT_CLOSED,
    /** The gateway failed on a connection for a reason of its own (a bug): the operational log has the stack trace. */
    INTERNAL_ERROR;

    /** The code as written in logs and bodies, e.g. {@code no_service_entry}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean allows() {
        return this == DECLARED || this == UNDECLARED_ALLOWED;
    }

    /**
     * Whether this ends a connection that policy allowed, on the way to or from its upstream (name
     * resolution, connect, TLS origination, the upstream's answer): not a refusal, so it is counted
     * in {@code portcullis_upstream_failures_total} and logged with {@code decision=allowed}.
     */
    public boolean isUpstreamFailure() {
        return switch (this) {
            case DNS_FAILURE, UPSTREAM_CONNECT_FAILURE, UPSTREAM_CERT_UNTRUSTED, UPSTREAM_CERT_NAME_MISMATCH,
                 UPSTREAM_CERT_EXPIRED, UPSTREAM_CERT_NOT_YET_VALID, UPSTREAM_TLS_FAILURE, UPSTREAM_TLS_CONFIG,
                 UPSTREAM_TIMEOUT, UPSTREAM_RESET, BAD_UPSTREAM_RESPONSE, TLS_UNAVAILABLE, UPSTREAM_OVERFLOW -> true;
            default -> false;
        };
    }

    /** Whether this refuses a connection by policy or inspection (a blocked call): neither allowed, nor an upstream failure, nor an idle close. */
    public boolean isDenial() {
        return !allows() && !isUpstreamFailure() && this != IDLE_TIMEOUT && this != CLIENT_RESET
                && this != CLIENT_CLOSED && this != INTERNAL_ERROR;
    }
}
