package io.portcullis.bench;

/**
 * The rows of the benchmark table (the numbering is the issue's). Each row has one figure per
 * target, where higher is better except for memory, and the proxy's CPU time per operation.
 */
enum Row {
    KEEP_ALIVE("1", "keep-alive HTTP via TCP route, 50 conns", "req/s", "request", true, true),
    NEW_CONNECTION("2", "new connection per request via TCP route", "req/s", "connection", true, true),
    BULK_UP("3a", "bulk iperf3 client->server via TCP route", "Gbit/s", "MiB", true, true),
    BULK_DOWN("3b", "bulk iperf3 server->client via TCP route", "Gbit/s", "MiB", true, true),
    TLS_HANDSHAKE("4", "full TLS handshakes via SNI passthrough", "hs/s", "handshake", true, true),
    CONNECT_TLS_REQUEST("5", "CONNECT + TLS + 1 request, new conn each", "op/s", "operation", true, false),
    FORWARD_KEEP_ALIVE("6", "absolute-URI forward proxy, keep-alive", "req/s", "request", true, false),
    IDLE_TCP("7a", "idle connections via TCP route", "KiB/conn", "connection", false, true),
    IDLE_CONNECT("7b", "idle CONNECT tunnels", "KiB/conn", "connection", false, false);

    final String number;
    final String title;
    final String unit;
    final String operation;
    final boolean higherIsBetter;
    /** true: a TCP/TLS relay row (nginx, HAProxy); false: a forward-proxy row (Squid). */
    final boolean relayRow;

    Row(String number, String title, String unit, String operation, boolean higherIsBetter, boolean relayRow) {
        this.number = number;
        this.title = title;
        this.unit = unit;
        this.operation = operation;
        this.higherIsBetter = higherIsBetter;
        this.relayRow = relayRow;
    }

    boolean isMemory() {
        return this == IDLE_TCP || this == IDLE_CONNECT;
    }
}
