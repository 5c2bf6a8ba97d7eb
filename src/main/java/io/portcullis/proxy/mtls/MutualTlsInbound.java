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
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Deque;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The decision on a mutual-TLS connection at the gateway, once the handshake is done: the
 * caller's SPIFFE ID (from its certificate) becomes the connection's source principal; the SNI
 * it announced, or the tcp route, says where the decrypted stream goes
 * ({@link EgressPolicy#decideMutualTls}). When the destination speaks TLS (a TLS port of its
 * ServiceEntry), the app's own ClientHello inside must name the announced SNI
 * ({@link InnerSniVerifier}, the article's {@code sni_verifier}); otherwise the stream is relayed
 * as soon as the upstream connects; what the TLS handler decrypts meanwhile, and a half-close, wait
 * in a {@link io.portcullis.proxy.ReadHold}. Runs on the connection's event loop.
 */
final class MutualTlsInbound extends ChannelInboundHandlerAdapter {
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final ProxySettings settings;
    private final UpstreamConnector connector;
    private final ConnectionLog log;
    private final Deque<Object> pending = new ArrayDeque<>();
    private String sni;

    MutualTlsInbound(EgressPolicy policy, ListenerSpec listener, ProxySettings settings, UpstreamConnector connector,
                     ConnectionLog log) {
        this.policy = policy;
        this.listener = listener;
        this.settings = settings;
        this.connector = connector;
        this.log = log;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent e) {
            if (e.isSuccess()) {
                sni = e.hostname();
                if (sni != null) {
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
        if (!GatewayAuthorization.permits(policy, ctx.channel(), caller, sni, sni, log)) {
            ctx.close();
            return;
        }
        byte[] local = ((InetSocketAddress) ctx.channel().localAddress()).getAddress().getAddress();
        // The caller's namespace (its SPIFFE ID's) scopes what it reaches: exportTo and its Sidecar.
        Decision decision = policy.decideMutualTls(listener, sni, local, caller == null ? null : caller.namespace());
        log.decided(decision);
        if (!decision.allowed()) {
            ctx.close();
            return;
        }
        boolean innerTls = sni != null && decision.binding() != null && decision.binding().port().protocol().isTls();
        if (innerTls) {
            ctx.pipeline().addAfter(ctx.name(), PipelineNames.INNER_SNI, new InnerSniVerifier(
                    settings.maxClientHello(), settings.inspectTimeout().toMillis(), sni, decision, connector, log));
            Channel ch = ctx.channel();
            handOver(ctx);
            Relay.resumeReading(ch);
            return;
        }
        // The TLS handler keeps reading after the handshake: hold the app's bytes and half-close.
        Channel client = ctx.channel();
        ctx.pipeline().addAfter(ctx.name(), PipelineNames.READ_HOLD, new ReadHold());
        handOver(ctx);
        connector.connect(client.eventLoop(), decision)
                .addListener((Future<Channel> f) -> Relay.handOver(client, f, log));
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
