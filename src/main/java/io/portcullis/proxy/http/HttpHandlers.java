package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** The HTTP terminal handlers the listeners install after their {@code HttpServerCodec}. */
public final class HttpHandlers {
    private HttpHandlers() {
    }

    /** The explicit proxy: CONNECT tunnels and absolute-URI requests, decided against {@code policy}. */
    public static ChannelHandler explicitProxy(Channel client, EgressPolicy policy, ForwardExecutor executor,
                                               UpstreamPool pool, ProxySettings settings, ConnectionLog log) {
        return new HttpExchangeLoop(new HttpRole.ExplicitProxy(new ConnectTunnel(policy, executor, settings, log)),
                new ExplicitProxyRouter(client, policy, log), pool, settings, log);
    }

    /** A plain-HTTP Gateway server: requests routed by their Host header. */
    public static ChannelHandler gatewayServer(Channel client, EgressPolicy policy, ListenerSpec listener,
                                               UpstreamPool pool, ProxySettings settings, ConnectionLog log) {
        return gatewayServer(client, policy, listener, null, pool, settings, log);
    }

    /**
     * Plain HTTP the sidecar captured on a port where entries declare HTTP hosts: each request
     * admitted by its Host against the address the app connected to ({@code original}), the http
     * routes bound to {@code mesh} applied, and the upstreams opened by the sidecar's {@code executor}
     * (name check, egress gateway, mesh TLS) for this connection alone.
     */
    public static ChannelHandler sidecarCapture(Channel client, InetSocketAddress original, EgressPolicy policy,
                                                ForwardExecutor executor, ProxySettings settings, ConnectionLog log) {
        return HttpExchangeLoop.hostRouted(new SidecarHttpRouter(client, original, policy, log),
                new CapturedUpstreams(executor, log), settings, log);
    }

    /**
     * A Gateway server behind TLS this listener terminated: as {@link #gatewayServer}, with the
     * caller's verified identity ({@code OPTIONAL_MUTUAL}; null without a certificate) for the
     * AuthorizationPolicies and the namespace scoping.
     */
    public static ChannelHandler gatewayServer(Channel client, EgressPolicy policy, ListenerSpec listener,
                                               @Nullable String peer, UpstreamPool pool, ProxySettings settings,
                                               ConnectionLog log) {
        return gatewayServer(client, policy, listener, peer, null, pool, settings, log);
    }

    /**
     * As above, on a TLS connection set up for {@code serverName} (the client's SNI, or the one the
     * sidecar announced on the mutual-TLS hop): each request's Host must name it, or the request is
     * answered {@code 421} ({@link MisdirectedRequest}); null when the ClientHello named no server.
     */
    public static ChannelHandler gatewayServer(Channel client, EgressPolicy policy, ListenerSpec listener,
                                               @Nullable String peer, @Nullable String serverName, UpstreamPool pool,
                                               ProxySettings settings, ConnectionLog log) {
        return HttpExchangeLoop.hostRouted(new GatewayHttpRouter(client, policy, listener, peer, serverName, log), pool,
                settings, log);
    }
}
