package io.portcullis.policy;

/**
 * Which kind of listener gathered the {@link Facts} of a connection or request, which is what
 * {@link Admission#admit} decides by: each kind names its destination in its own way.
 */
public enum ListenerKind {
    /** The explicit proxy's {@code CONNECT host:port}: by the authority. */
    EXPLICIT_CONNECT,
    /** The explicit proxy's absolute-URI request ({@code GET http://host/path}): by the authority, TLS originated when a DestinationRule says so. */
    EXPLICIT_HTTP,
    /** Plain HTTP inside a CONNECT tunnel: by the tunnel's authority, which every request must name. */
    TUNNEL_HTTP,
    /** A Gateway server in TLS {@code PASSTHROUGH}: by the ClientHello's SNI. */
    TLS_PASSTHROUGH,
    /** A Gateway server for opaque TCP: by the bound VirtualService tcp route. */
    TCP,
    /** A plain-HTTP Gateway server: by each request's Host. */
    HTTP_GATEWAY,
    /** A Gateway server terminating mutual TLS from sidecars: by the announced SNI or the tcp route. */
    MUTUAL_TLS,
    /** The sidecar role's capture port: by the original destination, with the SNI or Host when read. */
    SIDECAR_CAPTURE;

    /** Whether AuthorizationPolicies apply: at every listener of the gateway role, not at a sidecar's capture. */
    boolean authorizes() {
        return this != SIDECAR_CAPTURE;
    }
}
