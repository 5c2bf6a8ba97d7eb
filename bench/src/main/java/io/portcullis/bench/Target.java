package io.portcullis.bench;

/**
 * Something the load goes through: the direct connection to the origin, or a proxy process with
 * its listening ports (0 where it has no such listener).
 *
 * @param pid      the proxy's root process, whose tree's CPU and memory are read; 0 for direct
 * @param tcpHttp  TCP route to the origin's HTTP port
 * @param tcpIperf TCP route to the iperf3 server
 * @param tls      TLS passthrough routed by SNI to the origin's HTTPS port
 * @param proxy    explicit forward proxy (CONNECT and absolute-URI HTTP)
 */
record Target(String name, long pid, int tcpHttp, int tcpIperf, int tls, int proxy) {
    static final String DIRECT = "direct";
    static final String PORTCULLIS = "portcullis";

    boolean isDirect() {
        return pid == 0;
    }

    boolean isPeer() {
        return !isDirect() && !isPortcullis();
    }

    boolean isPortcullis() {
        return name.startsWith(PORTCULLIS);
    }

    boolean serves(Row row) {
        return switch (row) {
            case KEEP_ALIVE, NEW_CONNECTION -> tcpHttp != 0;
            case BULK_UP, BULK_DOWN -> tcpIperf != 0;
            case TLS_HANDSHAKE -> tls != 0;
            case CONNECT_TLS_REQUEST, FORWARD_KEEP_ALIVE -> isDirect() || proxy != 0;
            case IDLE_TCP -> !isDirect() && tcpHttp != 0;
            case IDLE_CONNECT -> !isDirect() && proxy != 0;
        };
    }
}
