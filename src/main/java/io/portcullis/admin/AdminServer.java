package io.portcullis.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.proxy.Transport;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The admin HTTP endpoint (loopback by default): {@code /healthz/ready} answers 200 once the
 * gateway has loaded its configuration and opened its listeners, 503 before;
 * {@code /stats/prometheus} serves the metrics in Prometheus's text format. Its own single
 * event loop, so the data plane's load never delays a health check or a scrape.
 */
public final class AdminServer implements AutoCloseable {
    private static final int MAX_REQUEST = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static AdminServer start(Transport transport, InetSocketAddress bind, BooleanSupplier ready)
            throws InterruptedException {
        return start(transport, bind, ready, null);
    }

    /** @param metrics served on {@code /stats/prometheus}; null for none */
    public static AdminServer start(Transport transport, InetSocketAddress bind, BooleanSupplier ready,
                                    GatewayMetrics metrics) throws InterruptedException {
        EventLoopGroup group = transport.newGroup(1);
        try {
            Channel ch = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST),
                                    new Handler(ready, metrics));
                        }
                    }).bind(bind).sync().channel();
            return new AdminServer(group, ch);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final BooleanSupplier ready;
        private final GatewayMetrics metrics;

        Handler(BooleanSupplier ready, GatewayMetrics metrics) {
            this.ready = ready;
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri().split("\\?", 2)[0];
            FullHttpResponse response;
            if (path.equals("/healthz/ready")) {
                boolean ok = ready.getAsBoolean();
                response = text(ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, ok ? "ready" : "not ready");
            } else if (path.equals("/stats/prometheus") && metrics != null) {
                byte[] body = metrics.scrape();
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, GatewayMetrics.contentType())
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            } else {
                response = text(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + path);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body) {
            byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
