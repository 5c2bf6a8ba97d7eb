package io.portcullis.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.model.HttpRoute;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.telemetry.ConnectionLog;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards HTTP/1.x requests from one client connection, one exchange at a time: each request
 * head is decided by the {@link RequestRouter}, gets an upstream connection from the
 * {@link UpstreamSource} (a keep-alive pool, TLS originated when the route says so), goes out in
 * origin form without hop-by-hop headers, and its body streams with back-pressure; the response
 * streams back, interim responses ({@code 100 Continue}) included, and a {@code 101} switches
 * both connections to a byte relay. The client connection stays open between exchanges when both
 * sides keep it alive; the upstream goes back to its pool when its response was complete and
 * framed.
 *
 * <p>Messages that arrive while an exchange cannot take them (upstream connecting, response
 * outstanding) wait in order in {@link #pending} with reading paused, so pipelined requests are
 * answered in order and memory stays bounded. Failures before a response started are answered
 * with a status and reason code (403, 400, 502, 503, 504); after, the client connection is closed.
 * Runs on the client's event loop, which its upstreams share.
 */
public final class HttpForwarder extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpForwarder.class);
    private enum State { IDLE, CONNECTING, FORWARDING, WAITING, DISCARDING, TUNNEL, CLOSING }

    private final RequestRouter router;
    private final UpstreamSource upstreams;
    private final ConnectTunnel tunnels;
    private final ProxySettings settings;
    private final ConnectionLog log;
    private final Deque<Object> pending = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private ScheduledFuture<?> headTimeout;
    /** Bounds how long a client that ended its input waits for an answer to start; null until it ends it. */
    private ScheduledFuture<?> halfClosedWait;
    private Exchange exchange;
    private Channel upstream;
    private boolean inputShutdown;

    /**
     * @param tunnels opens CONNECT tunnels; null where CONNECT is not served
     */
    HttpForwarder(RequestRouter router, UpstreamSource upstreams, ConnectTunnel tunnels, ProxySettings settings,
                  ConnectionLog log) {
        this.router = router;
        this.upstreams = upstreams;
        this.tunnels = tunnels;
        this.settings = settings;
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headTimeout = ctx.executor().schedule(() -> {
            if (state == State.IDLE && exchange == null) {
                refuse(Reason.INSPECT_TIMEOUT, "no complete request head within " + settings.inspectTimeout().toMillis() + " ms");
            }
        }, settings.inspectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        headTimeout.cancel(false);
        cancelHalfClosedWait();
        if (state != State.TUNNEL) {
            releasePending();
        }
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
        while (!pending.isEmpty() && (state == State.IDLE || state == State.FORWARDING || state == State.DISCARDING
                || state == State.CLOSING)) {
            handle(pending.poll());
        }
        if (state == State.CLOSING) {
            releasePending();
        }
        if (state != State.TUNNEL && !inputShutdown) {
            boolean upstreamFull = state == State.FORWARDING && upstream != null && !upstream.isWritable();
            ctx.channel().config().setAutoRead(pending.isEmpty() && state != State.CLOSING && !upstreamFull);
        }
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
            case DISCARDING -> discardBody(msg);
            default -> ReferenceCountUtil.release(msg);
        }
    }

    private void startRequest(HttpRequest request) {
        headTimeout.cancel(false);
        logRequest(request);
        DecoderResult result = request.decoderResult();
        if (!result.isSuccess()) {
            ReferenceCountUtil.release(request);
            refuse(RequestFailures.reason(result.cause()), RequestFailures.message(result.cause(), settings));
            return;
        }
        if (request.protocolVersion().majorVersion() != 1) {
            // HTTP/2 with prior knowledge opens with "PRI * HTTP/2.0": it is not served here, say so plainly.
            ReferenceCountUtil.release(request);
            refuse(Reason.UNSUPPORTED_HTTP_VERSION, request.protocolVersion().text()
                    + " is not served on this listener; it speaks HTTP/1.1 (and HTTP/1.0)");
            return;
        }
        Route route;
        try {
            route = router.route(request);
        } catch (IllegalArgumentException e) {
            route = new Route.Refuse(Reason.BAD_REQUEST, e.getMessage());
        }
        if (route instanceof Route.Refuse r) {
            ReferenceCountUtil.release(request);
            refuse(r.reason(), r.message());
        } else if (route instanceof Route.Answer a) {
            // Hook: a VirtualService http route answers itself (redirect, direct response).
            answerLocally(request, a.reply());
        } else if (route instanceof Route.Tunnel t) {
            ReferenceCountUtil.release(request);
            if (tunnels == null) {
                refuse(Reason.BAD_REQUEST, "CONNECT is not served here");
                return;
            }
            state = State.TUNNEL;
            // Nothing more is read (not even the end of input) until the relay is in place.
            ctx.channel().config().setAutoRead(false);
            tunnels.open(this, ctx, t);
        } else {
            forward(request, (Route.Forward) route);
        }
    }

    /** The request fields of the access line and the request metrics. */
    private void logRequest(HttpRequest request) {
        boolean connect = request.method().equals(HttpMethod.CONNECT);
        String path = "-";
        if (!connect && request.decoderResult().isSuccess()) {
            try {
                String raw = java.net.URI.create(request.uri()).getRawPath();
                path = raw == null || raw.isEmpty() ? "/" : raw;
            } catch (IllegalArgumentException e) {
                path = "-";
            }
        }
        log.request(request.method().name(), path, request.protocolVersion().text(),
                request.headers().get(HttpHeaderNames.USER_AGENT), request.headers().get("x-forwarded-for"),
                request.headers().get("x-request-id"));
    }

    // ---- one exchange ----

    private void forward(HttpRequest request, Route.Forward route) {
        Exchange x = new Exchange(route, request);
        OriginForm.rewrite(request, route.hostHeader(), x.upgrade);
        // Hook: the VirtualService http route's actions (rewrite, headers, fault, timeout); NONE changes nothing.
        RouteActions actions = route.actions();
        actions.onRequest(request);
        if (actions.localReply().isPresent()) {
            answerLocally(request, actions.localReply().get());
            return;
        }
        exchange = x;
        state = State.CONNECTING;
        actions.timeout().ifPresent(t -> x.routeTimeout = ctx.executor().schedule(() -> routeTimedOut(x, t),
                t.toMillis(), TimeUnit.MILLISECONDS));
        if (actions.delay().isPresent()) {
            log.routeFlag("DI");
            ctx.executor().schedule(() -> {
                if (exchange == x && state == State.CONNECTING && ctx.channel().isActive()) {
                    acquire(x, false);
                }
            }, actions.delay().get().toMillis(), TimeUnit.MILLISECONDS);
        } else {
            acquire(x, false);
        }
    }

    // ---- VirtualService http route actions: local replies, timeouts, retries ----

    /**
     * Answers the request here (a fault abort, redirect or direct response): the request's body, if any, is
     * read and dropped, and the connection stays open when the client keeps it alive.
     */
    private void answerLocally(HttpRequest request, RouteActions.LocalReply reply) {
        ReferenceCountUtil.release(request);
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !inputShutdown;
        io.netty.handler.codec.http.FullHttpResponse response = RouteActions.toResponse(ctx.alloc(), reply);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!reply.flag().equals("-")) {
            log.routeFlag(reply.flag());
        }
        log.addToClient(response.content().readableBytes());
        log.responded(reply.status());
        exchange = null;
        if (!keepAlive) {
            state = State.CLOSING;
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response);
        // The request's end (its LastHttpContent, even without a body) takes the connection back to IDLE.
        state = State.DISCARDING;
    }

    /** The route's {@code timeout} passed before the response ended: 504 (UT), or a close once the answer started. */
    private void routeTimedOut(Exchange x, java.time.Duration timeout) {
        if (exchange != x || x.responseComplete || state == State.CLOSING) {
            return;
        }
        String message = "upstream " + x.route.authority() + " did not answer within the route's timeout of "
                + timeout.toMillis() + " ms (" + x.route.actions().name() + ")";
        if (x.responseStarted) {
            log.refused(Reason.UPSTREAM_TIMEOUT, message);
            closeAll();
        } else {
            refuse(Reason.UPSTREAM_TIMEOUT, message);
        }
    }

    /** Starts the per-try timeout of the route's retries for the try now connecting, if it has one. */
    private void startTryTimeout(Exchange x) {
        x.route.actions().retries().perTryTimeout().ifPresent(t -> {
            int attempt = x.routeRetries;
            x.tryTimeout = ctx.executor().schedule(() -> {
                if (exchange == x && x.routeRetries == attempt && !x.responseStarted && state != State.CLOSING) {
                    if (upstream != null) {
                        upstreams.release(upstream, false);
                        upstream = null;
                    }
                    if (!retry(x, RetryPolicy.Failure.PER_TRY_TIMEOUT)) {
                        refuse(Reason.UPSTREAM_TIMEOUT, "upstream " + x.route.authority() + " did not answer within the"
                                + " route's perTryTimeout of " + t.toMillis() + " ms (" + x.route.actions().name() + ")");
                    }
                }
            }, t.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /**
     * Tries the request again on a fresh connection when the route's {@code retries} cover the failure and
     * tries remain; when they cover it but none remain, flags {@code URX}. A request whose body may have gone
     * out already is not replayed (only a connect failure sent nothing).
     */
    private boolean retry(Exchange x, RetryPolicy.Failure failure) {
        HttpRoute.Retries r = x.route.actions().retries();
        if (!RetryPolicy.covers(r, failure) || (failure != RetryPolicy.Failure.CONNECT_FAILURE && !x.retryable)) {
            return false;
        }
        if (x.routeRetries >= r.attempts()) {
            if (r.attempts() > 0) {
                log.routeFlag("URX");
            }
            return false;
        }
        tryAgain(x);
        return true;
    }

    private void tryAgain(Exchange x) {
        x.routeRetries++;
        cancel(x.tryTimeout);
        state = State.CONNECTING;
        acquire(x, true);
    }

    /** A final response whose status the route's {@code retries} cover: drop it and its connection, try again. */
    private boolean retryOnStatus(Exchange x, int status) {
        HttpRoute.Retries r = x.route.actions().retries();
        if (r.attempts() == 0 || !RetryPolicy.covers(r, status) || !x.retryable || !x.requestComplete) {
            return false;
        }
        if (x.routeRetries >= r.attempts()) {
            log.routeFlag("URX");
            return false;
        }
        Channel up = upstream;
        upstream = null;
        upstreams.release(up, false);
        tryAgain(x);
        return true;
    }

    private static void cancelRouteTimers(Exchange x) {
        if (x != null) {
            cancel(x.routeTimeout);
            cancel(x.tryTimeout);
        }
    }

    private static void cancel(io.netty.util.concurrent.Future<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void acquire(Exchange x, boolean fresh) {
        startTryTimeout(x);
        upstreams.acquire(ctx.channel().eventLoop(), x.route, fresh).addListener((Future<UpstreamLease> f) -> {
            if (exchange != x || !ctx.channel().isActive()) {
                if (f.isSuccess()) {
                    upstreams.release(f.getNow().channel(), true);
                }
                return;
            }
            if (!f.isSuccess()) {
                upstreamFailed(f.cause());
                return;
            }
            bind(x, f.getNow());
            Channel up = upstream;
            up.write(x.head);
            if (x.requestComplete) {
                // The retry of a bodiless request whose end already went to the stale connection.
                up.write(LastHttpContent.EMPTY_LAST_CONTENT);
                state = State.WAITING;
            } else {
                state = State.FORWARDING;
                drain();
            }
            up.flush();
        });
    }

    private void bind(Exchange x, UpstreamLease lease) {
        upstream = lease.channel();
        x.reused = lease.reused();
        UpstreamExchangeHandler.of(upstream).attach(this);
        log.upstream(upstream.remoteAddress());
        log.relayed();
        upstream.config().setAutoRead(true);
    }

    private void forwardBody(Object msg) {
        if (!(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!content.decoderResult().isSuccess()) {
            ReferenceCountUtil.release(msg);
            refuse(RequestFailures.reason(content.decoderResult().cause()),
                    RequestFailures.message(content.decoderResult().cause(), settings));
            return;
        }
        Exchange x = exchange;
        log.addFromClient(content.content().readableBytes());
        upstream.write(content);
        if (content instanceof LastHttpContent) {
            x.requestComplete = true;
            upstream.flush();
            state = State.WAITING;
        }
    }

    private void discardBody(Object msg) {
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last) {
            state = State.IDLE;
        }
    }

    // ---- called by UpstreamExchangeHandler, on this event loop ----

    void onUpstream(Channel from, HttpObject msg) {
        Exchange x = exchange;
        if (from != upstream || x == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response && !startResponse(x, response)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            if (!content.decoderResult().isSuccess()) {
                ReferenceCountUtil.release(msg);
                badUpstreamResponse(x, content.decoderResult().cause());
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            if (x.interim) {
                ctx.write(msg);
                if (last) {
                    x.interim = false;
                    ctx.flush();
                }
                return;
            }
            if (x.switching) {
                ReferenceCountUtil.release(msg);
                if (last) {
                    switchProtocols();
                }
                return;
            }
            log.addToClient(content.content().readableBytes());
            ctx.write(msg);
            if (last) {
                x.responseComplete = true;
                ctx.flush();
                responseFinished(x);
            } else if (!ctx.channel().isWritable()) {
                upstream.config().setAutoRead(false);
            }
        }
    }

    /** Passes the response head on; false when it was refused instead. */
    private boolean startResponse(Exchange x, HttpResponse response) {
        if (!response.decoderResult().isSuccess()) {
            badUpstreamResponse(x, response.decoderResult().cause());
            return false;
        }
        int code = response.status().code();
        if (code == 101) {
            if (!x.upgrade) {
                badUpstreamResponse(x, new IllegalStateException("101 Switching Protocols to a request that asked for no upgrade"));
                return false;
            }
            // Written now; the byte relay starts once the decoder has ended this message.
            x.switching = true;
            x.responseStarted = true;
            ctx.writeAndFlush(response);
            ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
            return true;
        }
        if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            x.interim = true;
            ctx.write(response);
            return true;
        }
        // Hook: the route's retries on status, and its response header operations.
        if (retryOnStatus(x, code)) {
            return false;
        }
        x.finalResponse(response);
        x.route.actions().onResponse(response);
        x.status = code;
        ctx.write(response);
        return true;
    }

    void upstreamReadComplete() {
        ctx.flush();
    }

    /** The response ended: give the upstream back, then take the next request, or close if the client asked to. */
    private void responseFinished(Exchange x) {
        log.responded(x.status);
        cancelRouteTimers(x);
        Channel up = upstream;
        upstream = null;
        // An upstream that answered before the request body ended is not in a state to reuse.
        upstreams.release(up, x.upstreamReusable && x.requestComplete);
        exchange = null;
        if (!x.clientKeepAlive) {
            state = State.CLOSING;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = x.requestComplete ? State.IDLE : State.DISCARDING;
        drain();
    }

    /** A 101 went to the client: from here on both connections carry the new protocol, relayed as bytes. */
    private void switchProtocols() {
        Channel up = upstream;
        Channel client = ctx.channel();
        upstream = null;
        exchange = null;
        state = State.TUNNEL;
        // Logged and counted as a 101; the connection is a tunnel from here, one line when it closes.
        log.responded(101);
        ctx.flush();
        UpstreamExchangeHandler.of(up).detach();
        Relay.join(client, up, log);
        releasePending();
        client.pipeline().remove(this);
        // Removing the codecs hands their buffered bytes, already the new protocol's, to the relays.
        client.pipeline().remove(PipelineNames.HTTP_CODEC);
        up.pipeline().remove(UpstreamExchangeHandler.NAME);
        up.pipeline().remove(UpstreamExchangeHandler.CODEC);
    }

    private void badUpstreamResponse(Exchange x, Throwable cause) {
        String what = "upstream " + x.route.authority() + " sent an invalid response: " + cause.getMessage();
        if (x.responseStarted) {
            log.refused(Reason.BAD_UPSTREAM_RESPONSE, what);
            closeAll();
        } else {
            refuse(Reason.BAD_UPSTREAM_RESPONSE, what);
        }
    }

    /** The upstream closed during an exchange: retry a bodiless request once if the connection was a stale reused one. */
    void upstreamClosed(Channel which, Throwable cause) {
        Exchange x = exchange;
        if (which != upstream || x == null || x.responseComplete) {
            return;
        }
        upstream = null;
        if (!x.responseStarted) {
            if (x.reused && x.retryable && !x.retried) {
                x.retried = true;
                state = State.CONNECTING;
                acquire(x, true);
                return;
            }
            if (retry(x, RetryPolicy.Failure.RESET)) {
                return;
            }
            if (cause instanceof SSLException || cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
                Throwable tls = cause instanceof SSLException ? cause : cause.getCause();
                refuse(Reason.UPSTREAM_TLS_FAILURE, "TLS with upstream " + x.route.authority() + " failed: "
                        + tls.getMessage());
                return;
            }
            refuse(Reason.UPSTREAM_RESET, "upstream " + x.route.authority() + " closed the connection before answering"
                    + (cause == null ? "" : " (" + cause.getMessage() + ")"));
        } else {
            log.refused(Reason.UPSTREAM_RESET, "upstream " + x.route.authority() + " closed the connection mid-response");
            closeAll();
        }
    }

    void upstreamWritable() {
        if (state == State.FORWARDING && pending.isEmpty() && !inputShutdown) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void upstreamFailed(Throwable cause) {
        Exchange x = exchange;
        boolean connectFailure = !(cause instanceof UpstreamException e) || e.reason() == Reason.UPSTREAM_CONNECT_FAILURE;
        if (x != null && connectFailure && retry(x, RetryPolicy.Failure.CONNECT_FAILURE)) {
            return;
        }
        if (cause instanceof UpstreamException e) {
            refuse(e.reason(), e.getMessage());
        } else {
            refuse(Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(cause));
        }
    }

    // ---- called by ConnectTunnel ----

    /** Hands over what the client sent after the CONNECT head; the tunnel owns it from now on. */
    Deque<Object> takePending() {
        Deque<Object> out = new ArrayDeque<>(pending);
        pending.clear();
        return out;
    }

    /** Whether the client ended its input (half-closed) before the tunnel's relay was in place. */
    boolean inputEnded() {
        return inputShutdown;
    }

    /** The tunnel could not be opened: answer like any other refusal. */
    void tunnelFailed(Reason reason, String message) {
        refuse(reason, message);
    }

    /** Answers with the reason and closes; nothing more is read from this client. */
    private void refuse(Reason reason, String message) {
        log.refused(reason, message);
        Exchange x = exchange;
        if (x != null && x.responseStarted) {
            log.responded(x.status);
        } else {
            log.responded(ProxyResponses.statusFor(reason).code());
        }
        state = State.CLOSING;
        exchange = null;
        cancelRouteTimers(x);
        releasePending();
        if (upstream != null) {
            upstreams.release(upstream, false);
            upstream = null;
        }
        if (x != null && x.responseStarted) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(ProxyResponses.refusal(ctx.alloc(), ProxyResponses.statusFor(reason), reason, message))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void closeAll() {
        state = State.CLOSING;
        cancelRouteTimers(exchange);
        exchange = null;
        if (upstream != null) {
            upstreams.release(upstream, false);
            upstream = null;
        }
        releasePending();
        ctx.close();
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
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent its last byte (listeners allow half-close): answer what is under way, then close.
            // (Reading must not be switched on again: epoll refuses it on a shut input.)
            inputShutdown = true;
            if (state == State.TUNNEL) {
                // The tunnel's relay is not in place yet: ConnectTunnel replays this after the early
                // bytes (passed on now, it would reach the pipeline's end and the upstream never learn of it).
                return;
            }
            Exchange x = exchange;
            if (x != null) {
                x.clientKeepAlive = false;
                if (!x.responseStarted) {
                    awaitAnswerForHalfClosedClient(x);
                }
            } else if (state != State.TUNNEL && state != State.CLOSING) {
                closeAll();
            }
            ctx.fireUserEventTriggered(evt);
        } else if (evt instanceof IdleStateEvent) {
            Exchange x = exchange;
            if (x != null && !x.responseStarted && (state == State.WAITING || state == State.CONNECTING
                    || state == State.FORWARDING)) {
                refuse(Reason.UPSTREAM_TIMEOUT, "no response from upstream " + x.route.authority() + " within "
                        + settings.idleTimeout().toMillis() + " ms");
            } else {
                log.refused(Reason.IDLE_TIMEOUT, "no traffic in either direction");
                closeAll();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * The client ended its input with its request outstanding. HTTP/1.1 lets it half-close and still
     * read the answer ({@code printf ... | nc -N}), but a client that closed its socket completely
     * sends the same FIN: the difference shows only when the gateway writes, and nothing may be
     * written before the answer. So the upstream gets the inspect timeout to start answering; if it
     * has not by then, the client is taken as gone (Envoy and nginx end the exchange on the FIN at
     * once, which would lose the nc-style answer): the upstream connection is closed, not pooled,
     * and the exchange is logged with code 0 and {@code DC}. Without this, an upstream that never
     * answers held both connections until the idle timeout (an hour by default).
     */
    private void awaitAnswerForHalfClosedClient(Exchange x) {
        if (halfClosedWait != null) {
            return;
        }
        long millis = settings.inspectTimeout().toMillis();
        halfClosedWait = ctx.executor().schedule(() -> {
            if (exchange == x && !x.responseStarted && state != State.CLOSING && ctx.channel().isActive()) {
                log.refused(Reason.CLIENT_CLOSED, "the client closed its side of the connection while its request to "
                        + x.route.authority() + " was outstanding, and no answer started within " + millis + " ms");
                closeAll();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelHalfClosedWait() {
        if (halfClosedWait != null) {
            halfClosedWait.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelHalfClosedWait();
        if (upstream != null) {
            upstreams.release(upstream, false);
            upstream = null;
        }
        exchange = null;
        upstreams.clientClosed();
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // Resets and broken pipes are how clients leave; one only matters in the middle of an exchange.
            LOG.debug("client {}: {}", log.client(), cause.toString());
            if (exchange != null) {
                log.refused(Reason.CLIENT_RESET, "the client's connection broke during the exchange with "
                        + exchange.route.authority() + ": " + cause.getMessage());
            }
        } else {
            LOG.warn("the exchange with client {} failed", log.client(), cause);
            log.refused(Reason.INTERNAL_ERROR, "the gateway failed on this connection: " + cause);
        }
        closeAll();
    }
}
