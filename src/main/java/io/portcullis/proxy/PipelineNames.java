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
 *       {@link #INNER_SNI}) (mutual-TLS listener), or {@link #CAPTURE} (+ {@link #CAPTURE_PEEK})
 *       (capture listener of the sidecar role); removed once the connection is decided and a
 *       byte relay takes over;</li>
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
    public static final String RELAY = "relay";
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
    /** Capture listener (sidecar role): recovers the original destination and decides. */
    public static final String CAPTURE = "capture";
    /** Capture listener: peeks a ClientHello's SNI or an HTTP request's Host before deciding. */
    public static final String CAPTURE_PEEK = "capture-peek";

    private PipelineNames() {
    }
}
