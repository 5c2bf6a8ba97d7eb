package io.portcullis.policy;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What a connection, or one HTTP request on it, tells an AuthorizationPolicy at a gateway
 * listener: who calls (the mTLS principal, in Istio's form without {@code spiffe://}, and the
 * source IP) and where to (the listener's address and port, as Istio's {@code destination.ip}/
 * {@code destination.port} are at a gateway; the host the caller named: the SNI, the proxy
 * request's authority or the Host header), and for an HTTP request its method, path and headers.
 *
 * @param principal     e.g. {@code cluster.local/ns/default/sa/sleep}; null without a client certificate
 * @param namespace     the principal's namespace; null without one
 * @param host          the SNI (or CONNECT authority, or Host); null when the caller named none
 * @param sni           the TLS SNI ({@code connection.sni}); null without TLS or SNI
 * @param http          the request's attributes when this is an HTTP request; empty for a TCP or TLS
 *                      connection, where Istio's rule for HTTP-only fields applies (see {@link Authorizer})
 */
public record AuthzRequest(String principal, String namespace, InetAddress sourceIp, InetAddress destinationIp,
                           int destinationPort, String host, String sni, Optional<HttpAttributes> http) {

    /** A connection that is not (or not yet) an HTTP request. */
    public AuthzRequest(String principal, String namespace, InetAddress sourceIp, InetAddress destinationIp,
                        int destinationPort, String host, String sni) {
        this(principal, namespace, sourceIp, destinationIp, destinationPort, host, sni, Optional.empty());
    }

    /** This request with an HTTP request's attributes. */
    public AuthzRequest withHttp(HttpAttributes attributes) {
        return new AuthzRequest(principal, namespace, sourceIp, destinationIp, destinationPort, host, sni,
                Optional.of(attributes));
    }
}
