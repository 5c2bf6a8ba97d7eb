package io.portcullis.policy;

import java.net.InetAddress;

/**
 * What a connection tells an AuthorizationPolicy, at a gateway listener: who calls (the mTLS
 * principal, in Istio's form without {@code spiffe://}, and the source IP) and where to (the
 * listener's address and port, as Istio's {@code destination.ip}/{@code destination.port} are at a
 * gateway; the host the caller named: the SNI or the proxy request's authority).
 *
 * @param principal     e.g. {@code cluster.local/ns/default/sa/sleep}; null without a client certificate
 * @param namespace     the principal's namespace; null without one
 * @param host          the SNI (or CONNECT authority); null when the caller named none
 * @param sni           the TLS SNI ({@code connection.sni}); null without TLS or SNI
 */
public record AuthzRequest(String principal, String namespace, InetAddress sourceIp, InetAddress destinationIp,
                           int destinationPort, String host, String sni) {
}
