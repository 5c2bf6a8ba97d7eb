package io.portcullis.proxy;

/**
 * The names of pipeline handlers, in the order they sit in a client pipeline. Every listener
 * builds its pipeline from these steps:
 *
 * <ol>
 *   <li>{@link #IDLE}: closes connections without traffic;</li>
 *   <li>{@link #ACCESS_LOG}: writes the connection's access line when it closes;</li>
 *   <li>inspection, one of {@link #HTTP_CODEC} + {@link #HTTP_PROXY} (explicit proxy),
 *       {@link #SNI} (TLS passthrough), {@link #TCP_ROUTE} (TCP listener),
 *       {@link #MTLS_SNI} (becoming the TLS handler, which stays) + {@link #MTLS_INBOUND} (+
 *       {@link #INNER_SNI}) (mutual-TLS listener), {@link #TLS_TERMINATE} + {@link #TLS_ACCEPTED}
 *       (HTTPS Gateway server, which then keeps the TLS handler, {@link #HTTP_CODEC} and
 *       {@link #HTTP_PROXY}), or {@link #CAPTURE} (+ {@link #CAPTURE_PEEK}, or replaced by
 *       {@link #HTTP_CODEC} + {@link #HTTP_PROXY} on a port of HTTP hosts) (capture listener of the
 *       sidecar role); removed once the connection is decided and a byte relay takes over (a
 *       plain-HTTP Gateway server and a sidecar's HTTP port keep {@link #HTTP_CODEC} +
 *       {@link #HTTP_PROXY} for every request);</li>
 *   <li>after CONNECT: {@link #TUNNEL_INSPECTOR} alone (with {@link #TUNNEL_WATCH} upstream) until the
 *       first bytes show what the tunnel carries; it then installs {@link #TUNNEL_SNI} + the relay for
 *       TLS, the relay for other bytes, or {@link #HTTP_CODEC} + {@link #HTTP_PROXY} (and no relay) for
 *       plain HTTP (Host checked per request);</li>
 *   <li>{@link #SNIFF}: for a port declared MONGO, MYSQL or REDIS, counts the protocol's operations
 *       as bytes pass, without changing them (in the upstream pipeline too, before its relay);</li>
 *   <li>{@link #RELAY}: moves bytes to the upstream with back-pressure.</li>
 * </ol>
 */
public final class PipelineNames {
    public static final String IDLE = "idle";
    public static final String ACCESS_LOG = "access-log";
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_PROXY = "http-proxy";
    public static final String SNI = "sni-inspector";
    public static final String TCP_ROUTE = "tcp-route";
    public static final String SNIFF = "protocol-sniffer";
    public static final String RELAY = "relay";
    /** In a CONNECT tunnel, where {@link #RELAY} will be: classifies the first bytes (TLS, HTTP, other). */
    public static final String TUNNEL_INSPECTOR = "tunnel-inspector";
    /** In a CONNECT tunnel carrying TLS: the SNI-versus-authority check. */
    public static final String TUNNEL_SNI = "tunnel-sni";
    /** On a tunnel's upstream while {@link #TUNNEL_INSPECTOR} decides: notices a server that speaks first. */
    public static final String TUNNEL_WATCH = "tunnel-watch";
    /** Mutual-TLS listener: reads the ClientHello's SNI, then becomes the TLS handler (terminates mTLS). */
    public static final String MTLS_SNI = "mtls-sni";
    /** Mutual-TLS listener: after the handshake, authorizes the caller and routes the decrypted stream. */
    public static final String MTLS_INBOUND = "mtls-inbound";
    /** Mutual-TLS listener: checks that the app's own ClientHello inside names the announced SNI. */
    public static final String INNER_SNI = "inner-sni-verifier";
    /** Upstream side of a mutual-TLS hop (sidecar to gateway): the TLS client handler. */
    public static final String UPSTREAM_TLS = "upstream-tls";
    /** Upstream side of a mutual-TLS hop: holds decrypted bytes until the relay is in place ({@link ReadHold}). */
    public static final String READ_HOLD = "read-hold";
    /** HTTPS Gateway server (SIMPLE, OPTIONAL_MUTUAL): picks the server by SNI, then becomes its TLS handler (stays). */
    public static final String TLS_TERMINATE = "tls-terminate";
    /** HTTPS Gateway server: after the handshake, replaced by {@link #HTTP_CODEC} + {@link #HTTP_PROXY}. */
    public static final String TLS_ACCEPTED = "tls-accepted";
    /** Capture listener (sidecar role): recovers the original destination and decides. */
    public static final String CAPTURE = "capture";
    /** Capture listener: peeks a ClientHello's SNI before deciding. */
    public static final String CAPTURE_PEEK = "capture-peek";

    private PipelineNames() {
    }
}
