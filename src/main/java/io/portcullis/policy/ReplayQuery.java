package io.portcullis.policy;

import java.net.InetAddress;
import java.util.Optional;

/**
 * The facts of a past connection that a decision needs, to decide it again under another
 * configuration ({@link ConnectionReplay}).
 *
 * @param listener  {@code proxy_PORT}, a Gateway listener's name ({@code tls_443}) or {@code capture_PORT}
 * @param host      the name the client asked for (authority, Host, SNI), or null
 * @param address   the address it asked for, or null
 * @param sni       the TLS SNI, or null
 * @param principal the caller's SPIFFE ID, or null
 * @param sourceIp  the caller's address, or null
 * @param localIp   the address the client connected to (a Gateway listener's), or null
 * @param localPort the port it connected to
 * @param http      what AuthorizationPolicies saw of its HTTP request, when that is known (an explicit
 *                  proxy's CONNECT); empty: decided as a connection (Istio's rule for HTTP-only fields)
 */
public record ReplayQuery(String listener, String host, InetAddress address, int port, String sni, String principal,
                          InetAddress sourceIp, InetAddress localIp, int localPort, Optional<HttpAttributes> http) {

    /** A past connection whose HTTP request, if any, is not known. */
    public ReplayQuery(String listener, String host, InetAddress address, int port, String sni, String principal,
                       InetAddress sourceIp, InetAddress localIp, int localPort) {
        this(listener, host, address, port, sni, principal, sourceIp, localIp, localPort, Optional.empty());
    }

    /** As the explicit proxy authorizes a CONNECT: an HTTP request with method CONNECT and no path. */
    public ReplayQuery asConnect() {
        return new ReplayQuery(listener, host, address, port, sni, principal, sourceIp, localIp, localPort,
                Optional.of(new HttpAttributes("CONNECT", null, HttpAttributes.Headers.NONE)));
    }
}
