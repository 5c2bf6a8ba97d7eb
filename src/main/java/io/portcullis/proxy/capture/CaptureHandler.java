package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.SidecarPolicy.Peek;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.proxy.capture.CapturedFlow.CaptureContext;
import io.portcullis.telemetry.ConnectionLog;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * First step of a captured connection: recovers its original destination
 * ({@link OriginalDestination}), refuses what was not redirected and the sidecar's own traffic
 * coming back, then either decides at once (the address decides, or nothing can be read) or hands
 * over to the SNI or Host peek the configuration asks for on that port. Nothing is read from the
 * client before that.
 */
final class CaptureHandler extends ChannelInboundHandlerAdapter {
    private final EgressPolicy policy;
    private final CaptureContext context;
    private final ConnectionLog log;

    CaptureHandler(EgressPolicy policy, CaptureContext context, ConnectionLog log) {
        this.policy = policy;
        this.context = context;
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        InetSocketAddress original;
        try {
            original = OriginalDestination.of(ch);
        } catch (IOException e) {
            log.refused(Reason.NO_ORIGINAL_DST, e.getMessage());
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        log.originalDestination(original);
        if (original.equals(ch.localAddress())) {
            log.refused(Reason.NO_ORIGINAL_DST, "connected to the capture port itself, not redirected by iptables");
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        if (context.ownConnections().isOwn(ch.remoteAddress())) {
            log.refused(Reason.CAPTURE_LOOP, "the sidecar's own connection to " + original + " was captured: run it"
                    + " as the user or group that portcullis capture excludes (--proxy-uid/--proxy-gid)");
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        CapturedFlow flow = new CapturedFlow(ch, original, policy, context, log);
        Peek peek = policy.sidecar().peekFor(original.getAddress(), original.getPort());
        long timeout = context.settings().inspectTimeout().toMillis();
        switch (peek) {
            case TLS -> {
                ctx.pipeline().replace(this, PipelineNames.CAPTURE_PEEK,
                        new CaptureSniPeek(context.settings().maxClientHello(), timeout, flow, log));
                ch.config().setAutoRead(true);
            }
            case HTTP -> {
                ctx.pipeline().replace(this, PipelineNames.CAPTURE_PEEK,
                        new CaptureHostPeek(context.settings().maxHeaderBytes(), timeout, flow, log));
                ch.config().setAutoRead(true);
            }
            default -> {
                // Even with auto-read off, epoll reads what is pending when the app half-closes.
                ctx.pipeline().addAfter(ctx.name(), PipelineNames.READ_HOLD, new ReadHold());
                flow.open(null, false).addListener((Future<Channel> f) -> flow.joinWhenReady(ctx, f, false));
            }
        }
        ctx.fireChannelActive();
    }
}
