package io.portcullis.policy;

import io.portcullis.model.Gateway.ServerTls;
import io.portcullis.model.Gateway.ServerTlsMode;
import io.portcullis.model.Protocol;
import io.portcullis.model.ResourceId;
import java.util.List;

/**
 * A listener the gateway role opens for the {@code Gateway} servers on one port.
 *
 * @param tlsMode  null for a server without TLS settings
 * @param servers  the Gateway and server hosts merged on this port, for SNI checks and routing
 * @param tls      the TLS settings of the first server on the port (certificates of a terminating
 *                 listener); null without TLS settings
 */
public record ListenerSpec(int port, Protocol protocol, ServerTlsMode tlsMode, List<ServerRef> servers, ServerTls tls) {
    public ListenerSpec {
        servers = List.copyOf(servers);
    }

    public ListenerSpec(int port, Protocol protocol, ServerTlsMode tlsMode, List<ServerRef> servers) {
        this(port, protocol, tlsMode, servers, null);
    }

    /** One Gateway server bound to this port. */
    public record ServerRef(ResourceId gateway, List<String> hosts) {
        public ServerRef {
            hosts = List.copyOf(hosts);
        }
    }

    /** Whether this listener routes TLS by SNI without terminating it. */
    public boolean isTlsPassthrough() {
        return (protocol == Protocol.TLS || protocol == Protocol.HTTPS)
                && tlsMode == ServerTlsMode.PASSTHROUGH;
    }

    /**
     * Whether this listener terminates mutual TLS ({@code MUTUAL} or {@code ISTIO_MUTUAL}): the
     * callers are sidecars, which present a client certificate and wrap the app's stream.
     */
    public boolean isMutualTls() {
        return (protocol == Protocol.TLS || protocol == Protocol.HTTPS)
                && (tlsMode == ServerTlsMode.MUTUAL || tlsMode == ServerTlsMode.ISTIO_MUTUAL);
    }

    /** Whether this listener relays opaque TCP routed by {@code VirtualService.tcp}. */
    public boolean isTcp() {
        return tlsMode == null && protocol.isOpaqueTcp();
    }

    /** Whether this listener serves plain HTTP/1.1 and routes each request by its Host header. */
    public boolean isHttp() {
        return tlsMode == null && protocol == Protocol.HTTP;
    }

    public String name() {
        return protocol.name().toLowerCase(java.util.Locale.ROOT) + "_" + port;
    }
}
