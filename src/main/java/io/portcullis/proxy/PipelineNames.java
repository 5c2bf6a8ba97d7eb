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
 *       connection is decided and a byte relay takes over;</li>
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

    private PipelineNames() {
    }
}
