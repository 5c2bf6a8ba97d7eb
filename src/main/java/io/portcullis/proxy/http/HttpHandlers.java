package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.telemetry.ConnectionLog;

/** The HTTP terminal handlers the listeners install after their {@code HttpServerCodec}. */
public final class HttpHandlers {
    private HttpHandlers() {
    }

    /** The explicit proxy: CONNECT tunnels and absolute-URI requests, decided against {@code policy}. */
    public static ChannelHandler explicitProxy(Channel client, EgressPolicy policy, ForwardExecutor executor,
                                               UpstreamPool pool, ProxySettings settings, ConnectionLog log) {
        return new HttpForwarder(new ExplicitProxyRouter(client, policy, log), pool,
                new ConnectTunnel(policy, executor, settings, log), settings, log);
    }

    /** A plain-HTTP Gateway server: requests routed by their Host header. */
    public static ChannelHandler gatewayServer(Channel client, EgressPolicy policy, ListenerSpec listener,
                                               UpstreamPool pool, ProxySettings settings, ConnectionLog log) {
        return new HttpForwarder(new GatewayHttpRouter(client, policy, listener, log), pool, null, settings, log);
    }
}
