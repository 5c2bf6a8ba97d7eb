package io.portcullis.policy;

/**
 * A question to the policy: what happens to a connection to {@code host:port}?
 *
 * @param host   a name or an IP literal, as a client would put it in {@code CONNECT}
 * @param sni    the SNI of the connection's ClientHello, or null
 * @param source the calling workload's identity (SPIFFE principal), or null when unknown
 */
public record CheckQuery(String host, int port, String sni, String source) {
}
