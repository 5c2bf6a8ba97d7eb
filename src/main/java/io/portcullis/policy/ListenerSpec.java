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

    /**
     * One Gateway server bound to this port.
     *
     * @param tls the server's own TLS settings (its certificate, picked by SNI on a listener that
     *            terminates TLS for several servers); null without TLS settings
     */
    public record ServerRef(ResourceId gateway, List<String> hosts, ServerTls tls) {
        public ServerRef {
            hosts = List.copyOf(hosts);
        }

        public ServerRef(ResourceId gateway, List<String> hosts) {
            this(gateway, hosts, null);
        }

        /** Whether {@code host} (canonical) is one of this server's hosts ({@code ns/} prefixes ignored). */
        public boolean hasHost(String host) {
            for (String pattern : hosts) {
                String p = pattern.contains("/") ? pattern.substring(pattern.indexOf('/') + 1) : pattern;
                if (HostNames.matches(HostNames.normalize(p), host)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The server whose certificate answers a ClientHello naming {@code sni}: the first server
     * that lists the name; without SNI, the first server of the port (as a client that sends no
     * name still gets a certificate, and its Host header is then held to that server's hosts).
     * Empty when the name is no host of any server here.
     */
    public java.util.Optional<ServerRef> serverForSni(String sni) {
        if (sni == null) {
            return servers.stream().findFirst();
        }
        String h = HostNames.normalize(sni);
        return servers.stream().filter(s -> s.hasHost(h)).findFirst();
    }

    /** This listener as seen by a connection whose TLS was terminated for {@code server} alone. */
    public ListenerSpec forServer(ServerRef server) {
        return new ListenerSpec(port, protocol, tlsMode, List.of(server), server.tls());
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

    /**
     * Whether this listener serves HTTP/1.1 and routes each request by its Host header: plain
     * HTTP, or HTTPS once {@link #terminatesTls() its TLS is terminated}.
     */
    public boolean isHttp() {
        return (tlsMode == null && protocol == Protocol.HTTP) || terminatesTls();
    }

    /**
     * Whether this listener terminates TLS with its servers' certificates and then serves the
     * HTTP inside ({@code protocol: HTTPS} with {@code tls.mode} {@code SIMPLE}, or
     * {@code OPTIONAL_MUTUAL}: a client certificate is asked for, verified when given, never required).
     */
    public boolean terminatesTls() {
        return protocol == Protocol.HTTPS
                && (tlsMode == ServerTlsMode.SIMPLE || tlsMode == ServerTlsMode.OPTIONAL_MUTUAL);
    }

    public String name() {
        return protocol.name().toLowerCase(java.util.Locale.ROOT) + "_" + port;
    }
}
