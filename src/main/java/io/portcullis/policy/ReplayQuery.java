package io.portcullis.policy;

import java.net.InetAddress;

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
 */
public record ReplayQuery(String listener, String host, InetAddress address, int port, String sni, String principal,
                          InetAddress sourceIp, InetAddress localIp, int localPort) {
}
