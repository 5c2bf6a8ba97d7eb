package io.portcullis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.policy.AuthzResult;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.telemetry.ConnectionLog;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * The explicit proxy, as {@code HTTP_PROXY}/{@code HTTPS_PROXY} clients use it: {@code CONNECT
 * host:port} opens a byte tunnel; an absolute-URI request ({@code GET http://host/path}) is
 * forwarded in origin form over an upstream connection kept alive for the next request to the
 * same authority. Every request is decided on its own authority.
 *
 * <p>One exchange at a time: messages that arrive while the upstream connects or while a
 * response is outstanding wait in order in {@link #pending}, with reading paused, so pipelined
 * requests are answered in order and memory stays bounded. Runs on the client's event loop; the
 * upstream shares it.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private enum State { IDLE, CONNECTING, FORWARDING, WAITING, CLOSING }

    private final EgressPolicy policy;
    private final UpstreamConnector connector;
    private final ProxySettings settings;
    private final ConnectionLog log;
    private final int listenerPort;
    private final Deque<Object> pending = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private ScheduledFuture<?> headTimeout;
    private Channel upstream;
    private Authority upstreamAuthority;
    private boolean clientKeepAlive;
    private boolean responseStarted;

    public HttpProxyHandler(EgressPolicy policy, UpstreamConnector connector, ProxySettings settings,
                            ConnectionLog log, int listenerPort) {
        this.policy = policy;
        this.connector = connector;
        this.settings = settings;
        this.log = log;
        this.listenerPort = listenerPort;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headTimeout = ctx.executor().schedule(() -> {
            if (state == State.IDLE) {
                refuse(Reason.INSPECT_TIMEOUT, "no complete request head within " + settings.inspectTimeout().toMillis() + " ms");
            }
        }, settings.inspectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        headTimeout.cancel(false);
        releasePending();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pending.add(msg);
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null && state == State.FORWARDING) {
            upstream.flush();
        }
    }

    /** Handles queued messages while the state allows; pauses reading while some must wait. */
    private void drain() {
        while (!pending.isEmpty() && (state == State.IDLE || state == State.FORWARDING || state == State.CLOSING)) {
            handle(pending.poll());
        }
        if (state == State.CLOSING) {
            releasePending();
        }
        ctx.channel().config().setAutoRead(pending.isEmpty() && state != State.CLOSING);
    }

    private void handle(Object msg) {
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    startRequest(request);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case FORWARDING -> forwardBody(msg);
            default -> ReferenceCountUtil.release(msg);
        }
    }

    private void startRequest(HttpRequest request) {
        headTimeout.cancel(false);
        log.request();
        DecoderResult result = request.decoderResult();
        if (!result.isSuccess()) {
            ReferenceCountUtil.release(request);
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongHttpLineException) {
                refuse(Reason.HEADER_TOO_LARGE, "request head larger than " + settings.maxHeaderBytes() + " bytes");
            } else {
                refuse(Reason.BAD_REQUEST, "malformed request: " + cause.getMessage());
            }
            return;
        }
        try {
            if (request.method().equals(HttpMethod.CONNECT)) {
                startTunnel(Authority.parse(request.uri(), -1));
            } else {
                startForward(request, absoluteAuthority(request.uri()));
            }
        } catch (IllegalArgumentException e) {
            ReferenceCountUtil.release(request);
            refuse(Reason.BAD_REQUEST, e.getMessage());
        }
    }

    private Decision decide(Authority authority) {
        log.requested(authority.host(), authority.port());
        Decision d = authority.ip() != null ? policy.decideAddress(authority.ip(), authority.port())
                : policy.decideHost(authority.host(), authority.port());
        log.decided(d);
        if (d.allowed()) {
            AuthzResult authz = GatewayAuthorization.evaluate(policy, ctx.channel(), null, authority.host(), null, log);
            if (!authz.allowed()) {
                return Decision.deny(Reason.AUTHZ_DENIED, authz.message());
            }
        }
        return d;
    }

    // ---- CONNECT: a byte tunnel ----

    private void startTunnel(Authority authority) {
        Decision decision = decide(authority);
        if (!decision.allowed()) {
            refuse(decision.reason(), decision.message());
            return;
        }
        state = State.CONNECTING;
        // Bytes after the CONNECT head are tunnel data, not HTTP: stop decoding now; the decoder
        // hands what it buffered to this handler, which keeps it in order in pending.
        ctx.pipeline().replace(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_CODEC, new HttpResponseEncoder());
        connector.connect(ctx.channel().eventLoop(), decision.upstream()).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                upstreamFailed(f.cause());
                return;
            }
            Channel up = f.getNow();
            if (!ctx.channel().isActive()) {
                up.close();
                return;
            }
            log.upstream(up.remoteAddress());
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    new HttpResponseStatus(200, "Connection established")));
            ctx.pipeline().remove(PipelineNames.HTTP_CODEC);
            for (Object early = pending.poll(); early != null; early = pending.poll()) {
                if (early instanceof ByteBuf buf && buf.isReadable()) {
                    log.addFromClient(buf.readableBytes());
                    up.write(buf);
                } else {
                    ReferenceCountUtil.release(early);
                }
            }
            up.flush();
            Relay.join(ctx.channel(), up, log);
            ctx.pipeline().remove(this);
        });
    }

    // ---- absolute-URI forwarding ----

    private static Authority absoluteAuthority(String uri) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad request URI: " + e.getMessage());
        }
        if (!parsed.isAbsolute()) {
            throw new IllegalArgumentException("not a proxy request: the URI must be absolute (http://host/path) or use CONNECT");
        }
        if (!"http".equalsIgnoreCase(parsed.getScheme())) {
            throw new IllegalArgumentException("unsupported scheme \"" + parsed.getScheme() + "\" (use CONNECT for https)");
        }
        if (parsed.getRawAuthority() == null) {
            throw new IllegalArgumentException("no host in request URI");
        }
        return Authority.parse(parsed.getRawAuthority(), 80);
    }

    private void startForward(HttpRequest request, Authority authority) {
        Decision decision = decide(authority);
        if (!decision.allowed()) {
            ReferenceCountUtil.release(request);
            refuse(decision.reason(), decision.message());
            return;
        }
        clientKeepAlive = HttpUtil.isKeepAlive(request);
        toOriginForm(request, authority);
        responseStarted = false;
        if (upstream != null && upstream.isActive() && authority.equals(upstreamAuthority)) {
            state = State.FORWARDING;
            upstream.write(request);
            return;
        }
        if (upstream != null) {
            upstream.close();
        }
        upstream = null;
        state = State.CONNECTING;
        connector.connect(ctx.channel().eventLoop(), decision.upstream()).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                ReferenceCountUtil.release(request);
                upstreamFailed(f.cause());
                return;
            }
            Channel up = f.getNow();
            if (!ctx.channel().isActive()) {
                ReferenceCountUtil.release(request);
                up.close();
                return;
            }
            log.upstream(up.remoteAddress());
            upstream = up;
            upstreamAuthority = authority;
            up.pipeline().addLast("http-client-codec", new HttpClientCodec());
            up.pipeline().addLast("http-response", new UpstreamResponseHandler(this, ctx.channel()));
            up.config().setAutoRead(true);
            state = State.FORWARDING;
            up.write(request);
            drain();
            up.flush();
        });
    }

    private static void toOriginForm(HttpRequest request, Authority authority) {
        URI uri = URI.create(request.uri());
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        request.setUri(uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery());
        HopByHopHeaders.strip(request.headers());
        request.headers().set(HttpHeaderNames.HOST, authority.port() == 80 ? hostOnly(authority) : authority.toString());
    }

    private static String hostOnly(Authority a) {
        return a.host().contains(":") ? "[" + a.host() + "]" : a.host();
    }

    private void forwardBody(Object msg) {
        if (!(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        log.addFromClient(content.content().readableBytes());
        upstream.write(content);
        if (content instanceof LastHttpContent) {
            upstream.flush();
            state = State.WAITING;
        }
    }

    // ---- called by UpstreamResponseHandler, on this event loop ----

    void responseStarted() {
        responseStarted = true;
    }

    void logBytesToClient(int n) {
        log.addToClient(n);
    }

    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    /** The response ended: take the next request, or close if the client asked to. */
    void responseFinished() {
        if (!clientKeepAlive) {
            state = State.CLOSING;
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (state == State.WAITING || state == State.FORWARDING) {
            state = State.IDLE;
        }
        drain();
    }

    /** The upstream closed: answer 502 if the client has no response yet, else end the client too. */
    void upstreamClosed(Channel which) {
        if (which != upstream) {
            return;
        }
        upstream = null;
        if (state == State.FORWARDING || state == State.WAITING) {
            if (responseStarted) {
                state = State.CLOSING;
                ctx.close();
            } else {
                refuse(Reason.UPSTREAM_CONNECT_FAILURE, "upstream " + upstreamAuthority + " closed before answering");
            }
        }
    }

    void upstreamWritable() {
        if (state == State.FORWARDING && pending.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void upstreamFailed(Throwable cause) {
        if (cause instanceof UpstreamException e) {
            refuse(e.reason(), e.getMessage());
        } else {
            refuse(Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(cause));
        }
    }

    /** Answers with the reason and closes; nothing more is read from this client. */
    private void refuse(Reason reason, String message) {
        log.refused(reason, message);
        state = State.CLOSING;
        releasePending();
        if (upstream != null) {
            upstream.close();
        }
        ctx.writeAndFlush(ProxyResponses.refusal(ctx.alloc(), ProxyResponses.statusFor(reason), reason, message))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void releasePending() {
        for (Object m = pending.poll(); m != null; m = pending.poll()) {
            ReferenceCountUtil.release(m);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && upstream != null) {
            upstream.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            log.refused(Reason.IDLE_TIMEOUT, "no traffic in either direction");
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.close();
        }
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
