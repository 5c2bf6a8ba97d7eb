package io.portcullis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OwedCheck;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.telemetry.ConnectionLog;
import java.nio.charset.StandardCharsets;
import java.util.Deque;

/**
 * The explicit proxy's {@code CONNECT}, in two steps its {@link HttpExchangeLoop} drives (this
 * class knows nothing of the loop): {@link #connect} stops HTTP decoding and has the
 * {@link ForwardExecutor} carry the CONNECT's verdict out (guarded like every connection); {@link #establish} answers {@code 200 Connection established}
 * and puts what carries the tunnel's bytes in place. Where the verdict owes no check on the
 * tunnel's bytes (a port declared as opaque TCP) that is the byte relay at once; elsewhere it is
 * a {@link TunnelInspector}, which installs the relay, the SNI
 * check or an HTTP exchange loop once the first bytes show what the tunnel carries, so the SNI of
 * a TLS ClientHello and the Host of plain HTTP are held to the CONNECT authority. Runs on the
 * client's event loop.
 */
final class ConnectTunnel {
    /**
     * The answer to a CONNECT whose upstream is connected, byte for byte what Netty's
     * {@code HttpResponseEncoder} wrote for a {@code 200 Connection established} without headers:
     * written from one shared read-only buffer rather than built and encoded per tunnel (a response
     * object with its headers, an encoder added to the pipeline and removed again).
     */
    static final ByteBuf ESTABLISHED = Unpooled.unreleasableBuffer(Unpooled.directBuffer(39)
            .writeBytes("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
            .asReadOnly();

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

    /**
     * Connects the tunnel's upstream. Bytes after the CONNECT head are tunnel data, not HTTP, so
     * the codec goes now: its decoder hands what it buffered on as bytes, for the caller to keep in
     * order until {@link #establish}. A failed future carries the reason ({@link UpstreamFailures}),
     * to be answered after {@link #answerFailure}.
     */
    Future<Channel> connect(Channel client, Route.Tunnel tunnel) {
        client.pipeline().remove(PipelineNames.HTTP_CODEC);
        return executor.open(client.eventLoop(), tunnel.verdict(), log);
    }

    /**
     * The upstream could not be connected: puts an HTTP response encoder where the codec was, in front
     * of {@code loop} (the exchange loop that read the CONNECT), so its error answer is encoded as
     * every answer before the tunnel; decoding stays off, nothing more is read.
     */
    static void answerFailure(ChannelHandlerContext loop) {
        if (loop.pipeline().get(PipelineNames.HTTP_CODEC) == null) {
            loop.pipeline().addBefore(loop.name(), PipelineNames.HTTP_CODEC, new HttpResponseEncoder());
        }
    }

    /**
     * Answers the CONNECT, installs what carries the tunnel at the end of both pipelines, and
     * takes the handler at {@code leaving} (the exchange loop that read the CONNECT) out of the
     * client pipeline; from its place the client's {@code early} bytes, and the half-close when
     * {@code inputEnded}, go on to the inspector or relay, in order.
     */
    void establish(ChannelHandlerContext leaving, Channel upstream, Route.Tunnel tunnel, Deque<Object> early,
                   boolean inputEnded) {
        Channel client = leaving.channel();
        ChannelPipeline p = client.pipeline();
        log.upstream(upstream.remoteAddress());
        client.writeAndFlush(ESTABLISHED.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        log.responded(200);
        if (inspects(tunnel)) {
            TunnelInspector inspector = new TunnelInspector(policy, tunnel, upstream, settings, log);
            p.addLast(PipelineNames.TUNNEL_INSPECTOR, inspector);
            upstream.pipeline().addLast(PipelineNames.TUNNEL_WATCH, inspector.upstreamWatch());
            // Connected and reading both ways: the client's set-up time ends here, as for a relay.
            log.upstreamLocal(upstream.localAddress());
            log.relayed();
            Relay.resumeReading(client);
            Relay.resumeReading(upstream);
        } else {
            Relay.join(client, upstream, log);
        }
        p.remove(leaving.handler());
        for (Object m : early) {
            if (m instanceof ByteBuf buf && buf.isReadable()) {
                leaving.fireChannelRead(buf);
            } else {
                ReferenceCountUtil.release(m);
            }
        }
        // The relay flushes once per read batch: these bytes came in one that ended before it was here.
        leaving.fireChannelReadComplete();
        if (inputEnded) {
            // The client half-closed before the 200: the end of its input follows its bytes upstream.
            leaving.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
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
