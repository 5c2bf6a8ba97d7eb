package io.portcullis.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.ConnectionLog;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.x exchange loop of one client connection: one exchange at a time, in order. Each
 * request head is taken in by {@link RequestIntake} (routed by the {@link RequestRouter}); a
 * forwarded request goes upstream through the {@link UpstreamRequestWriter}, its response comes
 * back through the {@link ResponseWriter}, a {@code 101} becomes a byte relay
 * ({@link ProtocolSwitch}), a refusal is answered by {@link RefusalAnswer}, and on the explicit
 * proxy ({@link HttpRole.ExplicitProxy}) a CONNECT hands the connection to a {@link ConnectTunnel}.
 * A VirtualService http route may answer a request itself ({@link LocalReplyAnswer}); its timeout,
 * fault delay and retries are timed and counted by {@link RouteAttempts}.
 * The client connection stays open between exchanges when both sides keep it alive; the upstream
 * goes back to its source when its response was complete and framed.
 *
 * <p>Messages that arrive while an exchange cannot take them (upstream connecting, response
 * outstanding) wait in order in {@link PipelinedRequests} with reading paused, so pipelined
 * requests are answered in order and memory stays bounded; reading also pauses while the upstream
 * cannot take more of a request body. Failures before a response started are answered with a
 * status and reason code (403, 400, 502, 503, 504, 505); after, the client connection is closed.
 * Runs on the client's event loop, which its upstreams share.
 */
final class HttpExchangeLoop extends ChannelInboundHandlerAdapter implements UpstreamEvents {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private static final Logger LOG = LoggerFactory.getLogger(HttpExchangeLoop.class);

    /** Where the loop is; which client messages it can take in each is in {@link #drain}. */
    private enum State { IDLE, CONNECTING, FORWARDING, WAITING, DISCARDING, TUNNEL, CLOSING }

    private final HttpRole role;
    private final RequestIntake intake;
    private final UpstreamRequestWriter requests;
    private final ProxySettings settings;
    private final ConnectionLog log;
    private final PipelinedRequests pending = new PipelinedRequests();

    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ResponseWriter responses;
    private @Nullable ExchangeTimers timers;
    private @Nullable RouteAttempts attempts;
    private State state = State.IDLE;
    private @Nullable Exchange exchange;
    private @Nullable Channel upstream;
    private boolean inputShutdown;

    HttpExchangeLoop(HttpRole role, RequestRouter router, UpstreamSource upstreams, ProxySettings settings,
                     ConnectionLog log) {
        this.role = role;
        this.intake = new RequestIntake(router, settings, log);
        this.requests = new UpstreamRequestWriter(upstreams, log);
        this.settings = settings;
        this.log = log;
    }

    /** A loop that refuses CONNECT: a plain-HTTP Gateway server, or the HTTP inside a tunnel. */
    static HttpExchangeLoop hostRouted(RequestRouter router, UpstreamSource upstreams, ProxySettings settings,
                                       ConnectionLog log) {
        return new HttpExchangeLoop(new HttpRole.HostRouted(), router, upstreams, settings, log);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.attempts = new RouteAttempts(ctx, log);
        this.responses = new ResponseWriter(ctx, log, attempts);
        this.timers = new ExchangeTimers(ctx, settings);
        timers.awaitHead(() -> {
            if (state == State.IDLE && exchange == null) {
                refuse(Reason.INSPECT_TIMEOUT, "no complete request head within " + timers.inspectMillis() + " ms");
            }
        });
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timers().cancelAll();
        if (state != State.TUNNEL) {
            pending.releaseAll();
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
            handle(pending.next());
        }
        if (state == State.CLOSING) {
            pending.releaseAll();
        }
        if (state != State.TUNNEL && !inputShutdown) {
            boolean upstreamFull = state == State.FORWARDING && upstream != null && !upstream.isWritable();
            ctx().channel().config().setAutoRead(pending.isEmpty() && state != State.CLOSING && !upstreamFull);
        }
    }

    private void handle(@Nullable Object msg) {
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    startRequest(request);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case FORWARDING -> forwardBody(msg);
            case DISCARDING -> {
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last) {
                    state = State.IDLE;
                }
            }
            default -> ReferenceCountUtil.release(msg);
        }
    }

    private void startRequest(HttpRequest request) {
        timers().headArrived();
        Route route = intake.route(request);
        if (route instanceof Route.Forward forward) {
            if (forward.actions().localReply().isPresent()) {
                // The route's fault abort: answered here, nothing goes upstream.
                answerLocally(request, forward.actions().localReply().get());
                return;
            }
            Exchange x = new Exchange(forward, request);
            OriginForm.rewrite(request, forward.hostHeader(), x.upgrade);
            exchange = x;
            state = State.CONNECTING;
            RouteAttempts a = attempts();
            a.startTimeout(x, timeout -> routeTimedOut(x, timeout));
            a.firstTry(x, () -> {
                if (exchange == x && state == State.CONNECTING && ctx().channel().isActive()) {
                    connectUpstream(x, false);
                }
            });
            return;
        }
        if (route instanceof Route.Answer answer) {
            answerLocally(request, answer.reply());
            return;
        }
        ReferenceCountUtil.release(request);
        if (route instanceof Route.Refuse r) {
            refuse(r);
        } else if (route instanceof Route.Tunnel t && role instanceof HttpRole.ExplicitProxy proxy) {
            openTunnel(proxy.tunnels(), t);
        } else {
            refuse(Reason.BAD_REQUEST, "CONNECT is not served here");
        }
    }

    // ---- the request side ----

    private void connectUpstream(Exchange x, boolean fresh) {
        state = State.CONNECTING;
        ChannelHandlerContext c = ctx();
        // A try the route's per-try timeout gave up on may still connect: its connection is not this try's.
        int attempt = x.routeRetries;
        attempts().startTry(x, perTry -> tryTimedOut(x, perTry));
        requests.acquire(c.channel().eventLoop(), x, fresh).addListener((Future<UpstreamLease> f) -> {
            if (exchange != x || x.routeRetries != attempt || !c.channel().isActive()) {
                if (f.isSuccess()) {
                    requests.release(f.getNow().channel(), true);
                }
                return;
            }
            if (!f.isSuccess()) {
                if (UpstreamFailures.isConnectFailure(f.cause())
                        && attempts().retry(x, RetryPolicy.Failure.CONNECT_FAILURE)) {
                    connectUpstream(x, true);
                } else {
                    refuse(UpstreamFailures.connectFailed(f.cause()));
                }
                return;
            }
            Channel up = requests.start(x, f.getNow(), this);
            upstream = up;
            if (x.requestComplete) {
                state = State.WAITING;
            } else {
                state = State.FORWARDING;
                drain();
            }
            up.flush();
        });
    }

    private void forwardBody(@Nullable Object msg) {
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
        Channel up = upstream;
        if (x == null || up == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (requests.body(up, x, content)) {
            state = State.WAITING;
        }
    }

    // ---- the response side: UpstreamEvents, on this event loop ----

    @Override
    public void onUpstream(Channel from, HttpObject msg) {
        Exchange x = exchange;
        if (from != upstream || x == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ResponseWriter.Step step = responses().write(x, from, msg);
        if (step instanceof ResponseWriter.Step.Complete) {
            responseFinished(x, from);
        } else if (step instanceof ResponseWriter.Step.Switched) {
            switchProtocols(from);
        } else if (step instanceof ResponseWriter.Step.Retry) {
            // The route retries on this status: the answer and its connection are dropped.
            releaseUpstream();
            connectUpstream(x, true);
        } else if (step instanceof ResponseWriter.Step.Invalid invalid) {
            String what = UpstreamFailures.invalidResponse(x.route.authority(), invalid.cause());
            if (x.responseStarted) {
                log.refused(Reason.BAD_UPSTREAM_RESPONSE, what);
                closeAll();
            } else {
                refuse(Reason.BAD_UPSTREAM_RESPONSE, what);
            }
        }
    }

    @Override
    public void upstreamReadComplete() {
        ctx().flush();
    }

    @Override
    public void upstreamWritable() {
        if (state == State.FORWARDING && pending.isEmpty() && !inputShutdown) {
            ctx().channel().config().setAutoRead(true);
        }
    }

    /** The upstream closed during an exchange: retry a bodiless request once if the connection was a stale reused one. */
    @Override
    public void upstreamClosed(Channel which, @Nullable Throwable cause) {
        Exchange x = exchange;
        if (which != upstream || x == null || x.responseComplete) {
            return;
        }
        upstream = null;
        if (x.responseStarted) {
            log.refused(Reason.UPSTREAM_RESET, UpstreamFailures.closedMidResponse(x.route.authority()));
            closeAll();
        } else if (requests.retryOnFresh(x) || attempts().retry(x, RetryPolicy.Failure.RESET)) {
            connectUpstream(x, true);
        } else {
            refuse(UpstreamFailures.closedBeforeAnswer(x.route.authority(), cause));
        }
    }

    /** The response ended: give the upstream back, then take the next request, or close if the client asked to. */
    private void responseFinished(Exchange x, Channel up) {
        log.responded(x.status);
        RouteAttempts.cancel(x);
        upstream = null;
        // An upstream that answered before the request body ended is not in a state to reuse.
        requests.release(up, x.upstreamReusable && x.requestComplete);
        exchange = null;
        if (!x.clientKeepAlive) {
            state = State.CLOSING;
            ctx().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = x.requestComplete ? State.IDLE : State.DISCARDING;
        drain();
    }

    private void switchProtocols(Channel up) {
        RouteAttempts.cancel(exchange);
        upstream = null;
        exchange = null;
        state = State.TUNNEL;
        pending.releaseAll();
        ProtocolSwitch.relay(ctx(), up, log);
    }

    // ---- VirtualService http route actions: local replies, the route's timeouts ----

    /**
     * Answers the request as its route says (fault abort, redirect, direct response): the request's body, if
     * any, is read and dropped, and the connection stays open when the client keeps it alive.
     */
    private void answerLocally(HttpRequest request, RouteActions.LocalReply reply) {
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !inputShutdown;
        boolean http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        ReferenceCountUtil.release(request);
        exchange = null;
        // The request's end (its LastHttpContent, even without a body) takes the connection back to IDLE.
        state = keepAlive ? State.DISCARDING : State.CLOSING;
        LocalReplyAnswer.send(ctx(), log, reply, keepAlive, http10);
    }

    /** The route's {@code timeout} passed before the response ended: 504 ({@code UT}), or a close once it started. */
    private void routeTimedOut(Exchange x, Duration timeout) {
        if (exchange != x || x.responseComplete || state == State.CLOSING) {
            return;
        }
        String message = "upstream " + x.route.authority() + " did not answer within the route's timeout of "
                + timeout.toMillis() + " ms (" + x.route.actions().name() + ")";
        if (x.responseStarted) {
            log.refused(Reason.UPSTREAM_TIMEOUT, message);
            closeAll();
        } else {
            timedOutUpstream();
            refuse(Reason.UPSTREAM_TIMEOUT, message);
        }
    }

    /** Hook (outlierDetection): a timeout before the answer counts against the endpoint that was asked. */
    private void timedOutUpstream() {
        Channel up = upstream;
        if (up != null) {
            UpstreamExchangeHandler.timedOut(up);
        }
    }

    /** The route's {@code perTryTimeout} passed before this try's answer started: try again, or 504. */
    private void tryTimedOut(Exchange x, Duration perTry) {
        if (exchange != x || state == State.CLOSING) {
            return;
        }
        timedOutUpstream();
        releaseUpstream();
        if (attempts().retry(x, RetryPolicy.Failure.PER_TRY_TIMEOUT)) {
            connectUpstream(x, true);
        } else {
            refuse(Reason.UPSTREAM_TIMEOUT, "upstream " + x.route.authority() + " did not answer within the route's"
                    + " perTryTimeout of " + perTry.toMillis() + " ms (" + x.route.actions().name() + ")");
        }
    }

    // ---- CONNECT (explicit proxy only) ----

    /** Connects the tunnel, then leaves the pipeline to it with what the client sent after the CONNECT head. */
    private void openTunnel(ConnectTunnel tunnels, Route.Tunnel tunnel) {
        state = State.TUNNEL;
        ChannelHandlerContext c = ctx();
        // Nothing more is read (not even the end of input) until the tunnel is in place.
        c.channel().config().setAutoRead(false);
        tunnels.connect(c.channel(), tunnel).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                ConnectTunnel.answerFailure(c);
                refuse(UpstreamFailures.connectFailed(f.cause()));
                return;
            }
            Channel up = f.getNow();
            if (!c.channel().isActive()) {
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = up.close();
                return;
            }
            tunnels.establish(c, up, tunnel, pending.takeAll(), inputShutdown);
        });
    }

    // ---- endings ----

    private void refuse(Route.Refuse refusal) {
        refuse(refusal.reason(), refusal.message(), refusal.status().orElse(ProxyResponses.statusFor(refusal.reason())));
    }

    private void refuse(Reason reason, String message) {
        refuse(reason, message, ProxyResponses.statusFor(reason));
    }

    /** Answers with the reason (and {@code status}) and closes; nothing more is read from this client. */
    private void refuse(Reason reason, String message, HttpResponseStatus status) {
        Exchange x = exchange;
        OptionalInt started = x != null && x.responseStarted ? OptionalInt.of(x.status) : OptionalInt.empty();
        state = State.CLOSING;
        RouteAttempts.cancel(x);
        exchange = null;
        pending.releaseAll();
        releaseUpstream();
        RefusalAnswer.send(ctx(), log, reason, message, started, status);
    }

    private void closeAll() {
        state = State.CLOSING;
        RouteAttempts.cancel(exchange);
        exchange = null;
        releaseUpstream();
        pending.releaseAll();
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx().close();
    }

    private void releaseUpstream() {
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            requests.release(up, false);
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
                // The tunnel is not in place yet: openTunnel passes this on after the early bytes
                // (passed on now, it would reach the pipeline's end and the upstream never learn of it).
                return;
            }
            Exchange x = exchange;
            if (x != null) {
                x.clientKeepAlive = false;
                if (!x.responseStarted) {
                    awaitAnswerForHalfClosedClient(x);
                }
            } else if (state != State.CLOSING) {
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
        ExchangeTimers t = timers();
        t.awaitAnswer(() -> {
            if (exchange == x && !x.responseStarted && state != State.CLOSING && ctx().channel().isActive()) {
                log.refused(Reason.CLIENT_CLOSED, "the client closed its side of the connection while its request to "
                        + x.route.authority() + " was outstanding, and no answer started within "
                        + t.inspectMillis() + " ms");
                closeAll();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timers().cancelAll();
        releaseUpstream();
        RouteAttempts.cancel(exchange);
        exchange = null;
        requests.clientClosed();
        pending.releaseAll();
        ctx.fireChannelInactive();
    }

    /**
     * Logged once with its reason, then the connection closes: a reset or broken pipe is how clients
     * leave (recorded as {@code client_reset} when an exchange was under way); anything else is a
     * gateway bug, logged with its stack and recorded as {@code internal_error}.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange x = exchange;
        if (cause instanceof IOException) {
            LOG.debug("client {}: {}", log.client(), cause.toString());
            if (x != null) {
                log.refused(Reason.CLIENT_RESET, "the client's connection broke during the exchange with "
                        + x.route.authority() + ": " + cause.getMessage());
            }
        } else {
            LOG.warn("the exchange with client {} failed", log.client(), cause);
            log.refused(Reason.INTERNAL_ERROR, "the gateway failed on this connection: " + cause);
        }
        closeAll();
    }

    private ChannelHandlerContext ctx() {
        if (ctx == null) {
            throw new IllegalStateException("the exchange loop is not in a pipeline");
        }
        return ctx;
    }

    private ResponseWriter responses() {
        if (responses == null) {
            throw new IllegalStateException("the exchange loop is not in a pipeline");
        }
        return responses;
    }

    private RouteAttempts attempts() {
        if (attempts == null) {
            throw new IllegalStateException("the exchange loop is not in a pipeline");
        }
        return attempts;
    }

    private ExchangeTimers timers() {
        if (timers == null) {
            throw new IllegalStateException("the exchange loop is not in a pipeline");
        }
        return timers;
    }
}
