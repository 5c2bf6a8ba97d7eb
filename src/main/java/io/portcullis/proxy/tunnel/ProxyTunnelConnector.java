package io.portcullis.proxy.tunnel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.model.AddressText;
import io.portcullis.model.DestinationRule.Tunnel;
import io.portcullis.policy.Reason;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.proxy.UpstreamException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Leaves through a corporate HTTP proxy ({@code DestinationRule trafficPolicy.tunnel}): on a
 * connection already open to the proxy (the rule's host, which a ServiceEntry must declare like
 * any other destination), asks for {@code CONNECT targetHost:targetPort} and hands the connection
 * back once the proxy answers 2xx. A refusal by the proxy is an upstream failure naming the proxy's
 * status, not a policy refusal: policy allowed the connection, the way out failed.
 */
public final class ProxyTunnelConnector {
    static final String HANDLER = "proxy-tunnel";

    private ProxyTunnelConnector() {
    }

    /**
     * Opens the tunnel on {@code proxy} (connected, auto-read off, on its event loop) and succeeds
     * with the same channel, auto-read still off; on failure the channel is closed.
     */
    public static Future<Channel> open(Channel proxy, UpstreamSettings settings, Tunnel tunnel, Duration timeout) {
        Promise<Channel> done = proxy.eventLoop().newPromise();
        String where = settings.destination() + (proxy.remoteAddress() instanceof InetSocketAddress a
                ? " (" + AddressText.hostPort(a) + ")" : "");
        String target = AddressText.hostPort(tunnel.targetHost(), tunnel.targetPort());
        if (!tunnel.isConnect()) {
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = proxy.close();
            return done.setFailure(new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, settings.rule()
                    + " trafficPolicy.tunnel.protocol: " + tunnel.protocol() + " is not spoken by Portcullis (expected"
                    + " CONNECT)"));
        }
        Promise<Void> established = proxy.eventLoop().newPromise();
        established.addListener(f -> {
            if (f.isSuccess()) {
                done.trySuccess(proxy);
            } else {
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = proxy.close();
                done.tryFailure(f.cause());
            }
        });
        proxy.pipeline().addFirst(HANDLER, new ProxyTunnelHandler(target, where, timeout, established));
        return done;
    }
}
