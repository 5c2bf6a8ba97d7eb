package io.portcullis.testsupport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A plain HTTP/1.1 origin on 127.0.0.1 and an ephemeral port that answers every request with 200
 * and {@code hello from <name>\n}, honours keep-alive, and counts requests and accepted TCP
 * connections. {@link HttpsOrigin} adds TLS. Started by the constructor, stopped by {@link #close}.
 *
 * <p>Built on Netty rather than the JDK's HttpServer because only a server that owns its accept
 * loop can count connections exactly (including ones that never send a request).
 */
public class HttpOrigin implements AutoCloseable {

  private static final int MAX_REQUEST_BYTES = 1 << 20;

  private final String name;
  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile FullHttpRequest lastRequest;
  private volatile int lastBodyLength;

  /** Starts a plain HTTP origin. */
  public HttpOrigin(String name) {
    this(name, (Supplier<ChannelHandler>) null);
  }

  /** Starts a plain HTTP origin listening on {@code bind} (e.g. 127.0.0.2) instead of 127.0.0.1. */
  public HttpOrigin(String name, InetAddress bind) {
    this(name, null, bind);
  }

  /** Starts an origin whose pipelines begin with a fresh handler from {@code tls} (null: plain). */
  protected HttpOrigin(String name, Supplier<ChannelHandler> tls) {
    this(name, tls, FreePorts.loopback());
  }

  /** As {@link #HttpOrigin(String, Supplier)}, listening on {@code bind}. */
  protected HttpOrigin(String name, Supplier<ChannelHandler> tls, InetAddress bind) {
    this.name = name;
    this.group =
        new MultiThreadIoEventLoopGroup(
            2, new DefaultThreadFactory("origin-" + name, true), NioIoHandler.newFactory());
    ChannelHandler responder = new Responder();
    try {
      this.serverChannel =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      connections.incrementAndGet();
                      if (tls != null) {
                        ch.pipeline().addLast(tls.get());
                      }
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                          .addLast(responder);
                    }
                  })
              .bind(new InetSocketAddress(bind, 0))
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** The body every request gets. */
  public String body() {
    return "hello from " + name + "\n";
  }

  /** {@code http[s]://host:port/} for this origin; {@code host} is the name or IP the client dials. */
  public String url(String host) {
    return scheme() + "://" + host + ":" + port() + "/";
  }

  public int requestCount() {
    return requests.get();
  }

  /** Accepted TCP connections, whether or not they sent a request. */
  public int connectionCount() {
    return connections.get();
  }

  /** The Host header of the last request, null before the first one. */
  public String lastHost() {
    return lastHeader(HttpHeaderNames.HOST.toString());
  }

  /** The request target (path and query, or absolute form) of the last request. */
  public String lastUri() {
    FullHttpRequest request = lastRequest;
    return request == null ? null : request.uri();
  }

  /** The body length of the last request (after any chunked framing was removed). */
  public int lastBodyLength() {
    return lastBodyLength;
  }

  public String lastHeader(String headerName) {
    FullHttpRequest request = lastRequest;
    return request == null ? null : request.headers().get(headerName);
  }

  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  protected String scheme() {
    return "http";
  }

  /** The status every request gets; a subclass answers another (e.g. an endpoint that fails with 503). */
  protected HttpResponseStatus status() {
    return HttpResponseStatus.OK;
  }

  @ChannelHandler.Sharable
  private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      // Keep only headers and target: the body would be a buffer to release (leak detector).
      lastBodyLength = request.content().readableBytes();
      lastRequest = request.replace(Unpooled.EMPTY_BUFFER);
      requests.incrementAndGet();
      ByteBuf content = Unpooled.copiedBuffer(body(), StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(request.protocolVersion(), status(), content);
      HttpHeaders headers = response.headers();
      headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      headers.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (!keepAlive) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Clients in tests abort handshakes and connections on purpose; just drop the connection.
      ctx.close();
    }
  }
}
