package io.portcullis.proxy;

/**
 * The names of pipeline handlers, in the order they sit in a client pipeline. Every listener
 * builds its pipeline from these steps:
 *
 * <ol>
 *   <li>{@link #IDLE}: closes connections without traffic;</li>
 *   <li>{@link #ACCESS_LOG}: writes the connection's access line when it closes;</li>
 *   <li>inspection, one of {@link #HTTP_CODEC} + {@link #HTTP_PROXY} (explicit proxy),
 *       {@link #SNI} (TLS passthrough) or {@link #TCP_ROUTE} (TCP listener); removed once the
 *       connection is decided and a byte relay takes over (a plain-HTTP Gateway server keeps
 *       {@link #HTTP_CODEC} + {@link #HTTP_PROXY} for every request);</li>
 *   <li>after CONNECT, before the relay: {@link #TUNNEL_INSPECTOR}, replaced by {@link #TUNNEL_SNI}
 *       for TLS, or by {@link #HTTP_CODEC} + {@link #HTTP_PROXY} for plain HTTP (Host checked per request);</li>
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
    /** In a CONNECT tunnel, before {@link #RELAY}: classifies the client's first bytes (TLS, HTTP, other). */
    public static final String TUNNEL_INSPECTOR = "tunnel-inspector";
    /** In a CONNECT tunnel carrying TLS: the SNI-versus-authority check. */
    public static final String TUNNEL_SNI = "tunnel-sni";
    /** On a tunnel's upstream, before {@link #RELAY}: notices a server that speaks first. */
    public static final String TUNNEL_WATCH = "tunnel-watch";

    private PipelineNames() {
    }
}
