package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.SidecarPolicy.Peek;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.proxy.capture.CapturedFlow.CaptureContext;
import io.portcullis.proxy.http.HttpHandlers;
import io.portcullis.telemetry.ConnectionLog;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * First step of a captured connection: recovers its original destination
 * ({@link OriginalDestination}), refuses what was not redirected and the sidecar's own traffic
 * coming back, then either decides at once (the address decides, or nothing can be read), hands
 * over to the SNI peek where the configuration asks for it on that port, or serves the port as
 * HTTP where entries declare HTTP hosts on it ({@link HttpHandlers#sidecarCapture}: each request
 * decided by its own Host, the http routes bound to {@code mesh} applied). Nothing is read from the
 * client before that.
 */
final class CaptureHandler extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private static final int MAX_INITIAL_LINE = 8 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;
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
                // Served as HTTP, one decision per request (its Host re-checked each time), as Istio's sidecar does.
                ChannelPipeline p = ctx.pipeline();
                p.replace(this, PipelineNames.HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE,
                        context.settings().maxHeaderBytes(), MAX_CHUNK));
                p.addAfter(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_PROXY, HttpHandlers.sidecarCapture(ch, original,
                        policy, context.executor(), context.settings(), log));
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
