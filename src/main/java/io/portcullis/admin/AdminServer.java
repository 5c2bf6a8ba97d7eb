package io.portcullis.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
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
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.portcullis.proxy.Transport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint (loopback by default): {@code /healthz/ready} answers 200 once the
 * gateway has loaded its configuration and opened its listeners, 503 before; every other path
 * goes to the first {@link AdminRoute} that serves it ({@code /stats/prometheus}, the resource API). Its own single event loop, so the data
 * plane's load never delays a health check; routes never block it. With a token, every request
 * but the health check needs it ({@link BearerAuthHandler}), checked before the body is read.
 * One request at a time per connection, so answers computed on other threads keep their order.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Room for an apply of a folder of configuration; larger bodies get 413. */
    private static final int MAX_REQUEST = 8 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static AdminServer start(Transport transport, InetSocketAddress bind, BooleanSupplier ready)
            throws InterruptedException {
        return start(transport, bind, ready, null, List.of());
    }

    /**
     * Starts the admin endpoint with the given routes, over plain HTTP.
     *
     * @param token null for no authentication (allowed on loopback only; {@code run} enforces it)
     */
    public static AdminServer start(Transport transport, InetSocketAddress bind, BooleanSupplier ready,
                                    AdminToken token, List<AdminRoute> routes) throws InterruptedException {
        return start(transport, bind, ready, token, routes, List.of(), Optional.empty(), null);
    }

    /**
     * Starts the admin endpoint with every option: routes, event streams, accept back-off and TLS.
     *
     * @param streams server-sent event streams ({@code /ui/events})
     * @param onAcceptFailure on the listening channel: what to do when accept fails ({@code AcceptBackoff})
     * @param tls the TLS context to serve with, asked at each new connection (so rotated certificates
     *            apply to new connections); null for plain HTTP
     */
    public static AdminServer start(Transport transport, InetSocketAddress bind, BooleanSupplier ready,
                                    AdminToken token, List<AdminRoute> routes, List<EventStream> streams,
                                    Optional<ChannelHandler> onAcceptFailure, Supplier<SslContext> tls)
            throws InterruptedException {
        EventLoopGroup group = transport.newGroup(1);
        List<AdminRoute> all = List.copyOf(routes);
        List<EventStream> allStreams = List.copyOf(streams);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(transport.serverChannel());
            onAcceptFailure.ifPresent(bootstrap::handler);
            Channel ch = bootstrap
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            if (tls != null) {
                                c.pipeline().addLast(tls.get().newHandler(c.alloc()));
                            }
                            c.pipeline().addLast(new HttpServerCodec());
                            if (token != null) {
                                c.pipeline().addLast(new BearerAuthHandler(token));
                            }
                            c.pipeline().addLast(new HttpObjectAggregator(MAX_REQUEST), new Handler(ready, all, allStreams));
                        }
                    }).bind(bind).sync().channel();
            return new AdminServer(group, ch);
        } catch (InterruptedException | RuntimeException e) {
            // The bind failed: the threads go in the background, nothing waits for them.
            io.netty.util.concurrent.Future<?> unused = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
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
        private final List<AdminRoute> routes;
        private final List<EventStream> streams;

        Handler(BooleanSupplier ready, List<AdminRoute> routes, List<EventStream> streams) {
            this.ready = ready;
            this.routes = routes;
            this.streams = streams;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (path.equals("/healthz/ready")) {
                boolean ok = ready.getAsBoolean();
                write(ctx, AdminResponse.text(ok ? 200 : 503, ok ? "ready" : "not ready"), keepAlive)
                        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                return;
            }
            for (EventStream stream : streams) {
                if (stream.serves(path)) {
                    EventStreams.serve(ctx, stream, AdminRequest.of(request, ctx.channel().remoteAddress()));
                    return;
                }
            }
            for (AdminRoute route : routes) {
                if (route.serves(path)) {
                    AdminRequest r = AdminRequest.of(request, ctx.channel().remoteAddress());
                    // The next request waits for this answer, which may come from another thread.
                    ctx.channel().config().setAutoRead(false);
                    // The callback is the handling: a failed route still gets its 500 answer.
                    CompletableFuture<AdminResponse> unused = route.handle(r).whenComplete((response, failure) -> {
                        if (failure != null) {
                            LOG.error("admin: {} {} failed", r.method(), path, failure);
                            response = StoreExecutor.json(500, ApiBodies.status(500, "InternalError",
                                    "internal error: " + failure, List.of()));
                        }
                        write(ctx, response, keepAlive).addListener(f -> ctx.channel().config().setAutoRead(true));
                    });
                    return;
                }
            }
            write(ctx, AdminResponse.text(404, "no such endpoint: " + path), keepAlive)
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        private static ChannelFuture write(ChannelHandlerContext ctx, AdminResponse a,
                                                            boolean keepAlive) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                    Unpooled.wrappedBuffer(a.body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
            for (String w : a.warnings()) {
                r.headers().add(HttpHeaderNames.WARNING, "299 - \"" + headerSafe(w) + "\"");
            }
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            return f;
        }

        /** A warning as a quoted-string of printable ASCII (RFC 7234 5.5). */
        private static String headerSafe(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c >= 0x20 && c < 0x7f) {
                    sb.append(c);
                } else {
                    sb.append(c == '\n' || c == '\t' ? ' ' : '?');
                }
            }
            return sb.toString();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof java.io.IOException) {
                // A client that resets or goes away mid-request: worth a line only when looking for it.
                LOG.debug("admin: connection from {} ended: {}", ctx.channel().remoteAddress(), cause.toString());
            } else {
                LOG.warn("admin: the connection from {} failed and was closed", ctx.channel().remoteAddress(), cause);
            }
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
        }
    }
}
