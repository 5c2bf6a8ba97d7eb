package io.portcullis.proxy.http;

/**
 * What an {@link HttpExchangeLoop} serves, which decides what it does with a {@code CONNECT}:
 * the explicit proxy opens tunnels; a plain-HTTP Gateway server and the plain HTTP inside a tunnel
 * route requests by their Host, and a CONNECT there is a bad request.
 */
sealed interface HttpRole {
    /** The explicit proxy: absolute-URI requests, and CONNECT tunnels opened by {@code tunnels}. */
    record ExplicitProxy(ConnectTunnel tunnels) implements HttpRole {
    }

    /**
     * A plain-HTTP Gateway server, the HTTP inside a CONNECT tunnel or inside the mutual-TLS hop, or HTTP
     * the sidecar captured: requests routed by Host, no CONNECT.
     */
    record HostRouted() implements HttpRole {
    }
}
