package io.portcullis.proxy.mtls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.identity.PeerIdentity;
import io.portcullis.identity.SpiffeId;
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
import io.portcullis.telemetry.ConnectionLog;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A mutual-TLS connection at the gateway, once the handshake is done: the caller's SPIFFE ID (from
 * its certificate) and the SNI it announced are the facts {@link Admission#admit} decides on (the
 * announced SNI, or the tcp route, says where the decrypted stream goes). When the verdict owes
 * the inner-SNI check (the destination speaks TLS), the app's own ClientHello inside must name the
 * announced SNI ({@link InnerSniVerifier}, the article's {@code sni_verifier}); otherwise the stream is relayed
 * as soon as the upstream connects; what the TLS handler decrypts meanwhile, and a half-close, wait
 * in a {@link io.portcullis.proxy.ReadHold}. Runs on the connection's event loop.
 */
final class MutualTlsInbound extends ChannelInboundHandlerAdapter {
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final ProxySettings settings;
    private final ForwardExecutor executor;
    private final ConnectionLog log;
    private final Deque<Object> pending = new ArrayDeque<>();
    private String sni;

    MutualTlsInbound(EgressPolicy policy, ListenerSpec listener, ProxySettings settings, ForwardExecutor executor,
                     ConnectionLog log) {
        this.policy = policy;
        this.listener = listener;
        this.settings = settings;
        this.executor = executor;
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
                ctx.close();
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
        SpiffeId caller = peerIdentity(ctx);
        if (caller != null) {
            log.sourcePrincipal(caller.toString());
        }
        // The caller's identity, whose namespace scopes what it reaches (exportTo, its Sidecar) and which
        // AuthorizationPolicies match.
        Verdict verdict = Admission.admit(policy, ChannelFacts.of(ListenerKind.MUTUAL_TLS, listener, ctx.channel())
                .sni(sni).peer(caller == null ? null : caller.principal()).build());
        log.decided(verdict);
        if (!(verdict instanceof Verdict.Forward forward)) {
            // The handshake is over: no plaintext alert fits any more; the TLS handler sends close_notify.
            ctx.close();
            return;
        }
        Optional<OwedCheck.InnerSniEquals> innerSni = forward.owed(OwedCheck.InnerSniEquals.class);
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
        Object msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuseHandshake(cause);
        ctx.close();
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
