package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.proxy.pool.EndpointHealth;
import org.jspecify.annotations.Nullable;

/**
 * The last handler of an upstream HTTP connection, for its whole life: while an exchange holds
 * the connection it hands every response part to that exchange's {@link UpstreamEvents}; while the
 * connection idles in the pool, anything the server sends is unexpected and closes it. Runs on
 * the connection's event loop, which is also the client's.
 */
final class UpstreamExchangeHandler extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    static final String CODEC = "upstream-http-codec";
    static final String NAME = "upstream-exchange";
    private static final int MAX_INITIAL_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 64 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;

    private @Nullable UpstreamEvents owner;
    private @Nullable Throwable failure;
    /** Exchanges the connection was handed to, and whether the current one's answer has started. */
    private int exchanges;
    private boolean answered;

    /** Adds the HTTP client codec and this handler at the end of {@code upstream}'s pipeline. */
    static void install(Channel upstream) {
        upstream.pipeline().addLast(CODEC, new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_CHUNK));
        upstream.pipeline().addLast(NAME, new UpstreamExchangeHandler());
    }

    static UpstreamExchangeHandler of(Channel upstream) {
        return (UpstreamExchangeHandler) upstream.pipeline().get(NAME);
    }

    void attach(UpstreamEvents exchange) {
        this.owner = exchange;
        exchanges++;
        answered = false;
    }

    void detach() {
        this.owner = null;
    }

    /**
     * The route's timeout (or per-try timeout) passed before the answer on {@code upstream} started:
     * counted once for its endpoint's outlier detection, as Envoy's router records a local-origin
     * timeout (a 504 when external and local-origin errors are not split, Istio's setting).
     */
    static void timedOut(Channel upstream) {
        UpstreamExchangeHandler handler = of(upstream);
        if (handler != null && !handler.answered) {
            handler.answered = true;
            EndpointHealth.of(upstream).ifPresent(EndpointHealth::timedOut);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (owner == null || !(msg instanceof HttpObject http)) {
            // An idle pooled connection has nothing to say; whatever it says ends it.
            ReferenceCountUtil.release(msg);
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            // Hook (issue 14, outlierDetection): every final answer counts for its endpoint, retried or not.
            answered = true;
            EndpointHealth.of(ctx.channel()).ifPresent(h -> h.answered(response.status().code()));
        }
        owner.onUpstream(ctx.channel(), http);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null && ctx.channel().isWritable()) {
            owner.upstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // Upstream connections allow half-close (for tunnels); for HTTP the server's end of
            // input ends the connection. The codec has already ended a close-delimited body.
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamEvents o = owner;
        owner = null;
        if (o != null && !answered && exchanges == 1) {
            // Closed or reset before answering: a local-origin failure. (On a reused connection this is
            // the keep-alive race with the server's idle close, which the exchange retries.)
            EndpointHealth.of(ctx.channel()).ifPresent(EndpointHealth::reset);
        }
        if (o != null) {
            o.upstreamClosed(ctx.channel(), failure);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and TLS alerts end connections; channelInactive tells the exchange, with this cause.
        failure = cause;
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx.close();
    }
}
