package io.portcullis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.tls.TunnelSniCheck;
import io.portcullis.telemetry.ConnectionLog;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Stands where a CONNECT tunnel's relay will be and decides, from whichever side speaks first,
 * what the tunnel carries, then puts in place what carries it (nothing is built to be torn down):
 *
 * <ul>
 *   <li>a TLS ClientHello (first byte 22) to a tunnel opened by name: the byte relay, with
 *       {@link TunnelSniCheck} in front, which holds the SNI to the CONNECT host;</li>
 *   <li>an HTTP/1.x request line ({@code TOKEN SP target SP HTTP/…}, after optional empty lines):
 *       an HTTP exchange loop ({@link HttpExchangeLoop} with a {@link TunnelHttpRouter}) over the
 *       tunnel's own upstream connection, so every request's Host is checked and the upstream only
 *       ever sees requests as the gateway parsed them;</li>
 *   <li>anything else, or a server that speaks first (SMTP, MySQL, SSH): the byte relay, bytes
 *       unchanged.</li>
 * </ul>
 *
 * The first client bytes are held only until the kind is known: at most a request head's worth
 * ({@code --max-header-size}) and {@code --inspect-timeout} long, else the tunnel is refused; a
 * client that ends its input meanwhile has what it sent relayed as bytes. Either side closing
 * before then closes both. Tunnels to a port declared as opaque TCP get no inspector
 * ({@link ConnectTunnel}). Runs on the client's event loop, which the upstream shares.
 */
final class TunnelInspector extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private static final int TLS_HANDSHAKE = 22;

    private final EgressPolicy policy;
    private final Route.Tunnel tunnel;
    private final Channel upstream;
    private final ProxySettings settings;
    private final ConnectionLog log;
    private ChannelHandlerContext ctx;
    private CompositeByteBuf held;
    private ScheduledFuture<?> timeout;
    private boolean done;

    TunnelInspector(EgressPolicy policy, Route.Tunnel tunnel, Channel upstream, ProxySettings settings, ConnectionLog log) {
        this.policy = policy;
        this.tunnel = tunnel;
        this.upstream = upstream;
        this.settings = settings;
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.held = ctx.alloc().compositeBuffer();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (held.refCnt() > 0) {
            held.release();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        held.addComponent(true, buf);
        classify();
        if (!done && timeout == null) {
            // Armed only when the first read leaves the kind unknown: a ClientHello or a request line
            // usually arrives whole, and a timer armed and cancelled on every tunnel costs for nothing.
            timeout = ctx.executor().schedule(() -> refuse(Reason.INSPECT_TIMEOUT, "the tunnel's first bytes did not"
                    + " show what it carries within " + settings.inspectTimeout().toMillis() + " ms"),
                    settings.inspectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void classify() {
        int start = held.readerIndex();
        int end = held.writerIndex();
        int i = start;
        while (i < end && (held.getByte(i) == '\r' || held.getByte(i) == '\n')) {
            i++;
        }
        if (i == end) {
            if (end - start > settings.maxHeaderBytes()) {
                // Empty lines only: bounded like a first line, or they would be held without limit.
                refuse(Reason.HEADER_TOO_LARGE, "the tunnel's first " + (end - start) + " bytes are empty lines");
            }
            return;
        }
        if (i == start && held.getUnsignedByte(i) == TLS_HANDSHAKE) {
            if (tunnel.authority().ip() == null) {
                tls();
            } else {
                opaque();
            }
            return;
        }
        int token = i;
        while (token < end && isTchar(held.getUnsignedByte(token))) {
            token++;
        }
        if (token == i || (token < end && held.getByte(token) != ' ')) {
            opaque();
            return;
        }
        int lf = token < end ? held.indexOf(token, end, (byte) '\n') : -1;
        if (lf < 0) {
            if (end - start > settings.maxHeaderBytes()) {
                refuse(Reason.HEADER_TOO_LARGE, "the tunnel's first line is longer than " + settings.maxHeaderBytes()
                        + " bytes");
            }
            return;
        }
        String line = held.toString(i, lf - i, StandardCharsets.ISO_8859_1);
        if (line.contains("HTTP/")) {
            http();
        } else {
            opaque();
        }
    }

    /** RFC 9110 tchar: what an HTTP method is made of. */
    private static boolean isTchar(int c) {
        return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    /** The server spoke first: a server-first protocol, never HTTP or TLS from this client. */
    void upstreamSpoke() {
        if (!done && ctx != null) {
            opaque();
        }
    }

    private void opaque() {
        ChannelHandlerContext c = ctx;
        // The relay goes in before the watch comes out: an event the watch is passing on then reaches it.
        Relay.join(c.channel(), upstream, log);
        finish();
        ByteBuf bytes = held.retain();
        c.pipeline().remove(this);
        if (bytes.isReadable()) {
            c.fireChannelRead(bytes);
            // Flushed now: when the server spoke first, no client read batch is under way to end.
            c.fireChannelReadComplete();
        } else {
            bytes.release();
        }
    }

    private void tls() {
        ChannelHandlerContext c = ctx;
        Relay.join(c.channel(), upstream, log);
        finish();
        ByteBuf bytes = held.retain();
        c.pipeline().addAfter(c.name(), PipelineNames.TUNNEL_SNI, new TunnelSniCheck(settings.maxClientHello(),
                settings.inspectTimeout().toMillis(), policy, tunnel.authority().host(), tunnel.authority().port(), log));
        c.pipeline().remove(this);
        c.fireChannelRead(bytes);
    }

    private void http() {
        finish();
        ChannelHandlerContext c = ctx;
        Channel client = c.channel();
        ChannelPipeline p = c.pipeline();
        TunnelUpstream source = new TunnelUpstream(upstream, client);
        p.addAfter(c.name(), PipelineNames.HTTP_CODEC, new HttpServerCodec(8 * 1024, settings.maxHeaderBytes(), 64 * 1024));
        p.addAfter(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_PROXY, HttpExchangeLoop.hostRouted(
                new TunnelHttpRouter(tunnel.verdict(), tunnel.authority(), client, policy, log), source, settings, log));
        ByteBuf bytes = held.retain();
        p.remove(this);
        client.config().setAutoRead(true);
        c.fireChannelRead(bytes);
        c.fireChannelReadComplete();
    }

    private void finish() {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (upstream.pipeline().get(PipelineNames.TUNNEL_WATCH) != null) {
            upstream.pipeline().remove(PipelineNames.TUNNEL_WATCH);
        }
    }

    private void refuse(Reason reason, String message) {
        if (done) {
            return;
        }
        finish();
        log.refused(reason, message);
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx.close();
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unusedUpstream = upstream.close();
    }

    /**
     * A handler for the upstream pipeline that tells this inspector when the server acts first
     * (sends, half-closes, fails or closes): the tunnel is bytes then, and the event goes on to the
     * relay that is in place by the time it is passed on.
     */
    ChannelInboundHandlerAdapter upstreamWatch() {
        return new ChannelInboundHandlerAdapter() {
            /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
            @Override
            public boolean isSharable() {
                return false;
            }

            @Override
            public void channelRead(ChannelHandlerContext uctx, Object msg) {
                serverFirst(uctx);
                uctx.fireChannelRead(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext uctx, Object evt) {
                serverFirst(uctx);
                uctx.fireUserEventTriggered(evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
                serverFirst(uctx);
                uctx.fireExceptionCaught(cause);
            }

            @Override
            public void channelInactive(ChannelHandlerContext uctx) {
                serverFirst(uctx);
                uctx.fireChannelInactive();
            }

            /** Installs the relay behind this handler (which {@link #finish} then removes), so the event goes on to it. */
            private void serverFirst(ChannelHandlerContext uctx) {
                upstreamSpoke();
                if (uctx.pipeline().context(this) != null) {
                    uctx.pipeline().remove(this);
                }
            }
        };
    }

    /**
     * The client ended its input: what is held is all it will send, so it cannot grow into a
     * request head or a ClientHello that an upstream would act on; it goes on as bytes, followed by
     * the half-close, rather than waiting for the inspect timeout.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!done && evt instanceof IdleStateEvent) {
            // No relay is in place yet to act on it: the quiet tunnel ends here, as a relay would end it.
            refuse(Reason.IDLE_TIMEOUT, "no traffic in either direction");
            return;
        }
        if (!done && evt instanceof ChannelInputShutdownEvent) {
            opaque();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** A reset or failure before the tunnel's kind is known ends both sides, as the relay's would. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        finish();
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx.close();
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unusedUpstream = upstream.close();
    }

    /** The client left before the tunnel's kind was known: nothing carries the tunnel yet, so the upstream is closed here. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            finish();
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = upstream.close();
        }
        ctx.fireChannelInactive();
    }
}
