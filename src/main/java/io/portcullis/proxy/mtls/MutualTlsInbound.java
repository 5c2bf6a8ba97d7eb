package io.portcullis.proxy.mtls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.identity.PeerIdentity;
import io.portcullis.identity.SpiffeId;
import io.portcullis.model.Protocol;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.OwedCheck;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.http.HttpHandlers;
import io.portcullis.proxy.http.UpstreamPool;
import io.portcullis.telemetry.ConnectionLog;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * A mutual-TLS connection at the gateway, once the handshake is done: the caller's SPIFFE ID (from
 * its certificate) and the SNI it announced are the facts {@link Admission#admit} decides on (the
 * announced SNI, or the tcp route, says where the decrypted stream goes). When the verdict owes
 * the inner-SNI check (the destination speaks TLS), the app's own ClientHello inside must name the
 * announced SNI ({@link InnerSniVerifier}, the article's {@code sni_verifier}); otherwise the stream is relayed
 * as soon as the upstream connects; what the TLS handler decrypts meanwhile, and a half-close, wait
 * in a {@link io.portcullis.proxy.ReadHold}. Runs on the connection's event loop.
 *
 * <p>HTTP inside the hop is served as HTTP, as Istio's gateway does (the sidecar's plain request
 * over ISTIO_MUTUAL, the gateway originating TLS: "Egress Gateways with TLS Origination"): on a
 * server with {@code protocol: HTTPS} whose caller's first decrypted byte starts no TLS record,
 * and where the announced SNI itself (no tls or tcp route) decided a ServiceEntry port that is
 * HTTP. Each request is then admitted on its own (Host, method, path, the caller's principal and
 * namespace), http routes bound to the Gateway apply, and TLS is originated as the request's
 * forward verdict says ({@link HttpHandlers#gatewayServer}).
 */
final class MutualTlsInbound extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    /** The first byte of a TLS handshake record: the app's own ClientHello inside the hop. */
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;
    private static final int MAX_INITIAL_LINE = 8 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final ProxySettings settings;
    private final ForwardExecutor executor;
    private final UpstreamPool pool;
    private final ConnectionLog log;
    private final Deque<Object> pending = new ArrayDeque<>();
    private String sni;
    private @Nullable SpiffeId caller;
    /** Set while the first decrypted byte is awaited, to tell the app's own TLS from HTTP. */
    private @Nullable ScheduledFuture<?> sniffing;

    MutualTlsInbound(EgressPolicy policy, ListenerSpec listener, ProxySettings settings, ForwardExecutor executor,
                     UpstreamPool pool, ConnectionLog log) {
        this.policy = policy;
        this.listener = listener;
        this.settings = settings;
        this.executor = executor;
        this.pool = pool;
        this.log = log;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent e) {
            if (e.isSuccess()) {
                sni = e.hostname();
                if (sni != null) {
                    // A fact worth logging even when the handshake then fails.
                    log.requested(sni, listener.port());
                }
            } else {
                refuseHandshake(e.cause());
            }
        } else if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                handshakeDone(ctx);
            } else {
                refuseHandshake(e.cause());
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void refuseHandshake(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof SslHandshakeTimeoutException) {
            log.refused(Reason.INSPECT_TIMEOUT, "no complete mutual-TLS handshake within "
                    + settings.inspectTimeout().toMillis() + " ms");
        } else {
            log.refused(Reason.TLS_HANDSHAKE_FAILED, "mutual TLS failed: " + describe(c));
        }
    }

    private void handshakeDone(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        caller = peerIdentity(ctx);
        if (caller != null) {
            log.sourcePrincipal(caller.toString());
        }
        if (listener.protocol() == Protocol.HTTPS) {
            // Istio serves HTTP on an HTTPS server whose TLS it terminates; a caller that wraps its own
            // TLS inside (a record starting 0x16) keeps the byte relay and its inner-SNI check.
            long timeout = settings.inspectTimeout().toMillis();
            sniffing = ctx.executor().schedule(() -> {
                log.refused(Reason.INSPECT_TIMEOUT, "no byte inside the mutual-TLS hop within " + timeout + " ms");
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = ctx.close();
            }, timeout, TimeUnit.MILLISECONDS);
            sniff(ctx);
            return;
        }
        admitConnection(ctx);
    }

    /** Decides once the first decrypted byte is here; reads on until then. */
    private void sniff(ChannelHandlerContext ctx) {
        Optional<Byte> first = pending.stream().flatMap(m -> m instanceof ByteBuf b && b.isReadable()
                ? java.util.stream.Stream.of(b.getByte(b.readerIndex())) : java.util.stream.Stream.empty()).findFirst();
        if (first.isEmpty()) {
            ctx.read();
            return;
        }
        ScheduledFuture<?> timer = sniffing;
        if (timer != null) {
            timer.cancel(false);
        }
        sniffing = null;
        if (first.get() == TLS_HANDSHAKE_RECORD) {
            admitConnection(ctx);
        } else {
            serveHttp(ctx);
        }
    }

    /**
     * The HTTP steps after the TLS handler, each request admitted with the caller's principal as
     * peer; what arrived meanwhile goes to them in order.
     */
    private void serveHttp(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(ctx.name(), PipelineNames.HTTP_CODEC,
                new HttpServerCodec(MAX_INITIAL_LINE, settings.maxHeaderBytes(), MAX_CHUNK));
        // Each request's Host is held to the SNI the caller announced (421 otherwise): the name it was admitted by.
        p.addAfter(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_PROXY, HttpHandlers.gatewayServer(ctx.channel(), policy,
                listener, caller == null ? null : caller.principal(), sni, pool, settings, log));
        ctx.channel().config().setAutoRead(true);
        handOver(ctx);
    }

    /** The connection decided as a whole, by the announced SNI or the tcp route, then relayed. */
    private void admitConnection(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        // The caller's identity, whose namespace scopes what it reaches (exportTo, its Sidecar) and which
        // AuthorizationPolicies match.
        Verdict verdict = Admission.admit(policy, ChannelFacts.of(ListenerKind.MUTUAL_TLS, listener, ctx.channel())
                .sni(sni).peer(caller == null ? null : caller.principal()).build());
        log.decided(verdict);
        if (!(verdict instanceof Verdict.Forward forward)) {
            // The handshake is over: no plaintext alert fits any more; the TLS handler sends close_notify.
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        Optional<OwedCheck.InnerSniEquals> innerSni = forward.owed(OwedCheck.InnerSniEquals.class);
        if (innerSni.isEmpty() && forward.route().isEmpty() && forward.protocol().filter(Protocol::isHttp).isPresent()) {
            // The announced SNI named an entry whose port speaks HTTP: its requests are served one by one,
            // each by its Host. A tls or tcp route's destination keeps the relay: the route decided it.
            serveHttp(ctx);
            return;
        }
        if (innerSni.isPresent()) {
            ctx.pipeline().addAfter(ctx.name(), PipelineNames.INNER_SNI, new InnerSniVerifier(
                    settings.maxClientHello(), settings.inspectTimeout().toMillis(), innerSni.get(), forward, executor,
                    log));
            Channel ch = ctx.channel();
            handOver(ctx);
            Relay.resumeReading(ch);
            return;
        }
        // The TLS handler keeps reading after the handshake: hold the app's bytes and half-close.
        Channel client = ctx.channel();
        ctx.pipeline().addAfter(ctx.name(), PipelineNames.READ_HOLD, new ReadHold());
        handOver(ctx);
        executor.open(client.eventLoop(), forward, log).addListener((Future<Channel> f) -> executor.relay(client, f, log));
    }

    /** Passes what arrived meanwhile to the next handler, in order, and leaves the pipeline. */
    private void handOver(ChannelHandlerContext ctx) {
        Object msg;
        while ((msg = pending.poll()) != null) {
            ctx.fireChannelRead(msg);
        }
        ctx.fireChannelReadComplete();
        ctx.pipeline().remove(this);
    }

    private SpiffeId peerIdentity(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? PeerIdentity.spiffeIdOf(x) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pending.add(msg);
        if (sniffing != null) {
            sniff(ctx);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Held until the decision; the relay flushes once it is in place.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        ScheduledFuture<?> timer = sniffing;
        if (timer != null) {
            timer.cancel(false);
            sniffing = null;
        }
        Object msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuseHandshake(cause);
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx.close();
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
