package io.portcullis.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;

/**
 * A TCP listener of a Gateway server: decides on accept by the bound {@code VirtualService} tcp
 * route (nothing to inspect in opaque bytes), connects upstream, then hands over to the relay.
 * The client is not read until the upstream is connected.
 */
public final class TcpRouteHandler extends ChannelInboundHandlerAdapter {
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final UpstreamConnector connector;
    private final ConnectionLog log;

    public TcpRouteHandler(EgressPolicy policy, ListenerSpec listener, UpstreamConnector connector, ConnectionLog log) {
        this.policy = policy;
        this.listener = listener;
        this.connector = connector;
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!GatewayAuthorization.permits(policy, ctx.channel(), null, null, null, log)) {
            ctx.close();
            return;
        }
        byte[] local = ((InetSocketAddress) ctx.channel().localAddress()).getAddress().getAddress();
        Decision decision = policy.decideTcp(listener, local);
        log.decided(decision);
        if (!decision.allowed()) {
            ctx.close();
            return;
        }
        // Even with auto-read off, epoll reads what is pending when the client half-closes.
        ctx.pipeline().addAfter(ctx.name(), PipelineNames.READ_HOLD, new ReadHold());
        connector.connect(ctx.channel().eventLoop(), decision)
                .addListener((Future<Channel> f) -> Relay.handOver(ctx, f, log));
        ctx.fireChannelActive();
    }
}
