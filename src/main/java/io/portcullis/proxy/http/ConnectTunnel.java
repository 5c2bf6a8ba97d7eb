package io.portcullis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OwedCheck;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.telemetry.ConnectionLog;
import java.util.Deque;

/**
 * The explicit proxy's {@code CONNECT}: connects upstream (guarded like every connection), answers
 * {@code 200 Connection established}, then relays bytes — with a {@link TunnelInspector} in front
 * of the relay that looks at what the client sends first, so the SNI of a TLS ClientHello and the
 * Host of plain HTTP are held to the CONNECT authority (not on a port declared as opaque TCP,
 * where neither names the destination). A client that half-closes before the {@code 200} has its
 * half-close passed upstream once the relay is in place. Runs on the client's event loop.
 */
final class ConnectTunnel {
    private final EgressPolicy policy;
    private final ForwardExecutor executor;
    private final ProxySettings settings;
    private final ConnectionLog log;

    ConnectTunnel(EgressPolicy policy, ForwardExecutor executor, ProxySettings settings, ConnectionLog log) {
        this.policy = policy;
        this.executor = executor;
        this.settings = settings;
        this.log = log;
    }

    /** Opens the tunnel for an allowed CONNECT; {@code forwarder} (at {@code ctx}) leaves the pipeline once it is up. */
    void open(HttpForwarder forwarder, ChannelHandlerContext ctx, Route.Tunnel tunnel) {
        ChannelPipeline p = ctx.pipeline();
        // Bytes after the CONNECT head are tunnel data, not HTTP: stop decoding now; the decoder
        // hands what it buffered to the forwarder, which keeps it in order.
        p.replace(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_CODEC, new HttpResponseEncoder());
        executor.open(ctx.channel().eventLoop(), tunnel.verdict(), log).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                if (f.cause() instanceof UpstreamException e) {
                    forwarder.tunnelFailed(e.reason(), e.getMessage());
                } else {
                    forwarder.tunnelFailed(Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(f.cause()));
                }
                return;
            }
            Channel up = f.getNow();
            Channel client = ctx.channel();
            if (!client.isActive()) {
                up.close();
                return;
            }
            log.upstream(up.remoteAddress());
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    new HttpResponseStatus(200, "Connection established")));
            log.responded(200);
            p.remove(PipelineNames.HTTP_CODEC);
            Deque<Object> early = forwarder.takePending();
            boolean inputEnded = forwarder.inputEnded();
            Relay.join(client, up, log);
            if (inspects(tunnel)) {
                TunnelInspector inspector = new TunnelInspector(policy, tunnel, up, settings, log);
                p.addBefore(PipelineNames.RELAY, PipelineNames.TUNNEL_INSPECTOR, inspector);
                up.pipeline().addBefore(PipelineNames.RELAY, PipelineNames.TUNNEL_WATCH, inspector.upstreamWatch());
            }
            // Out first (its name may be needed again by an HTTP tunnel); its context still leads to the inspector.
            p.remove(forwarder);
            for (Object m : early) {
                if (m instanceof ByteBuf buf && buf.isReadable()) {
                    ctx.fireChannelRead(buf);
                } else {
                    ReferenceCountUtil.release(m);
                }
            }
            // The relay flushes once per read batch: these bytes came in one that ended before it was here.
            ctx.fireChannelReadComplete();
            if (inputEnded) {
                // The client half-closed before the 200: the end of its input follows its bytes upstream.
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        });
    }

    /**
     * Whether the tunnel's first bytes are inspected: when the verdict owes the check that they name
     * the authority (not on a port declared as opaque TCP, where neither a Host nor an SNI names
     * the destination, as Istio treats such a port).
     */
    private static boolean inspects(Route.Tunnel tunnel) {
        return tunnel.verdict().owed(OwedCheck.TunnelNamesAuthority.class).isPresent();
    }
}
