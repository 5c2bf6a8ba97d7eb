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
    /** Mutual TLS failed: no client certificate, one the mesh CA did not issue, an expired one, or a TLS error. */
    TLS_HANDSHAKE_FAILED,
    /** The certificates a TLS listener or upstream needs could not be loaded (see the operational log). */
    TLS_UNAVAILABLE,
    /**
     * The SNI does not fit: at the gateway, the app's own ClientHello names another host than the
     * sidecar announced (the article's sni_verifier); at a sidecar, the named host does not
     * resolve to the address the app connected to.
     */
    SNI_MISMATCH,
    /** At a sidecar, the HTTP Host names a host that does not resolve to the address the app connected to. */
    HOST_MISMATCH,
    /** An AuthorizationPolicy refused the caller (the message names the policy and rule). */
    AUTHZ_DENIED,
    /** A connection on the capture port had no iptables original destination (it was not redirected). */
    NO_ORIGINAL_DST,
    /** The sidecar's own upstream connection came back to its capture port (it runs as a captured user). */
    CAPTURE_LOOP;

    /** The code as written in logs and bodies, e.g. {@code no_service_entry}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean allows() {
        return this == DECLARED || this == UNDECLARED_ALLOWED;
    }
}
