package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.identity.PeerIdentity;
import io.portcullis.identity.SpiffeId;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.ListenerSpec.ServerRef;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.mtls.TlsContexts;
import io.portcullis.proxy.tls.TlsAlerts;
import io.portcullis.telemetry.ConnectionLog;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * The pipeline of a Gateway listener that terminates TLS for HTTP ({@code protocol: HTTPS},
 * {@code tls.mode: SIMPLE} or {@code OPTIONAL_MUTUAL}): the ClientHello's SNI picks the server
 * (and so the certificate) among those on the port, a name that is no server's host is refused
 * with the {@code unrecognized_name} alert before any certificate is shown; after the handshake
 * the decrypted stream takes the plain-HTTP Gateway path ({@link HttpHandlers#gatewayServer}),
 * held to the hosts of the server the SNI picked. Runs on the connection's event loop.
 */
public final class HttpsGatewayListener {
    private static final int MAX_INITIAL_LINE = 8 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;

    private HttpsGatewayListener() {
    }

    /** Adds the TLS-terminating step in front of the HTTP steps to a new connection's pipeline. */
    public static void install(Channel ch, EgressPolicy policy, ListenerSpec listener, TlsContexts contexts,
                               UpstreamPool pool, ProxySettings settings, ConnectionLog log) {
        ch.config().setAutoRead(true);
        HandshakeWatcher watcher = new HandshakeWatcher(policy, pool, settings, log);
        ch.pipeline().addLast(PipelineNames.TLS_TERMINATE, new ServerSelector(listener, contexts, settings, log, watcher));
        ch.pipeline().addLast(PipelineNames.TLS_ACCEPTED, watcher);
    }

    /** Reads the ClientHello (bounded in size and time), picks the server by SNI, becomes its TLS handler. */
    private static final class ServerSelector extends AbstractSniHandler<ServerRef> {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

        private final ListenerSpec listener;
        private final TlsContexts contexts;
        private final ProxySettings settings;
        private final ConnectionLog log;
        private final HandshakeWatcher watcher;

        ServerSelector(ListenerSpec listener, TlsContexts contexts, ProxySettings settings, ConnectionLog log,
                       HandshakeWatcher watcher) {
            super(settings.maxClientHello(), settings.inspectTimeout().toMillis());
            this.listener = listener;
            this.contexts = contexts;
            this.settings = settings;
            this.log = log;
            this.watcher = watcher;
        }

        @Override
        protected Future<ServerRef> lookup(ChannelHandlerContext ctx, String hostname) {
            return listener.serverForSni(hostname)
                    .map(ctx.executor()::<ServerRef>newSucceededFuture)
                    .orElseGet(() -> ctx.executor().newFailedFuture(new NotAGatewayHost(hostname)));
        }

        @Override
        protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<ServerRef> future) {
            if (hostname != null) {
                log.serverName(hostname);
            }
            if (!future.isSuccess()) {
                log.requested(hostname, listener.port());
                log.refused(Reason.NOT_GATEWAY_HOST, future.cause().getMessage());
                refuse(ctx, Reason.NOT_GATEWAY_HOST);
                return;
            }
            ServerRef server = future.getNow();
            TlsContexts.Lookup lookup = contexts.server(server.tls());
            if (lookup.context() == null) {
                log.refused(Reason.TLS_UNAVAILABLE, "no certificate for " + server.gateway() + " on port "
                        + listener.port() + ": " + lookup.problem());
                refuse(ctx, Reason.TLS_UNAVAILABLE);
                return;
            }
            SslHandler ssl = lookup.context().newHandler(ctx.alloc());
            ssl.setHandshakeTimeout(settings.inspectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            ChannelPipeline p = ctx.pipeline();
            watcher.server = listener.forServer(server);
            watcher.serverName = hostname;
            try {
                // Replacing hands the buffered ClientHello to the TLS handler.
                p.replace(this, PipelineNames.TLS_TERMINATE, ssl);
            } catch (RuntimeException e) {
                ReferenceCountUtil.safeRelease(ssl.engine());
                throw e;
            }
        }

        private static void refuse(ChannelHandlerContext ctx, Reason reason) {
            Channel ch = ctx.channel();
            TlsAlerts.forRefusal(reason).ifPresentOrElse(
                    alert -> ch.writeAndFlush(alert).addListener(ChannelFutureListener.CLOSE), () -> {
                        // Fire-and-forget: nothing here acts on how the close ends.
                        ChannelFuture unused = ch.close();
                    });
        }
    }

    /** Why a ClientHello was refused: its SNI names no server on the port. */
    private static final class NotAGatewayHost extends Exception {
        NotAGatewayHost(String sni) {
            super("SNI " + sni + " is not a host of the Gateway servers on this port", null, false, false);
        }
    }

    /** After the handshake: logs a client certificate's identity and becomes the HTTP steps. */
    private static final class HandshakeWatcher extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

        private final EgressPolicy policy;
        private final UpstreamPool pool;
        private final ProxySettings settings;
        private final ConnectionLog log;
        /** The listener narrowed to the server the SNI picked; set before the TLS handler takes over. */
        private ListenerSpec server;
        /** The ClientHello's SNI, to which each request's Host is held; null when it named none. */
        private @Nullable String serverName;

        HandshakeWatcher(EgressPolicy policy, UpstreamPool pool, ProxySettings settings, ConnectionLog log) {
            this.policy = policy;
            this.pool = pool;
            this.settings = settings;
            this.log = log;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
                // No ClientHello in time (the selector closes the connection itself), or one naming no
                // server (already logged by the selector).
                if (sni.cause() instanceof SslHandshakeTimeoutException) {
                    log.refused(Reason.INSPECT_TIMEOUT, "no complete ClientHello within "
                            + settings.inspectTimeout().toMillis() + " ms");
                }
                return;
            }
            if (!(evt instanceof SslHandshakeCompletionEvent e)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (!e.isSuccess()) {
                failed(e.cause());
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = ctx.close();
                return;
            }
            SpiffeId caller = peerIdentity(ctx);
            if (caller != null) {
                log.sourcePrincipal(caller.toString());
            }
            ChannelPipeline p = ctx.pipeline();
            p.addAfter(ctx.name(), PipelineNames.HTTP_CODEC,
                    new HttpServerCodec(MAX_INITIAL_LINE, settings.maxHeaderBytes(), MAX_CHUNK));
            p.addAfter(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_PROXY,
                    HttpHandlers.gatewayServer(ctx.channel(), policy, server, caller == null ? null : caller.principal(),
                            serverName, pool, settings, log));
            p.remove(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A handshake failure is also announced by its completion event: the first report is logged.
            failed(cause);
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
        }

        private void failed(Throwable cause) {
            if (log.reason() != null) {
                return;
            }
            Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (c instanceof SslHandshakeTimeoutException) {
                log.refused(Reason.INSPECT_TIMEOUT, "no complete TLS handshake within "
                        + settings.inspectTimeout().toMillis() + " ms");
            } else {
                log.refused(Reason.TLS_HANDSHAKE_FAILED, "TLS failed: " + c.getClass().getSimpleName()
                        + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            }
        }

        /** The SPIFFE ID of an OPTIONAL_MUTUAL client that presented a (verified) certificate. */
        private static SpiffeId peerIdentity(ChannelHandlerContext ctx) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            try {
                Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                return chain.length > 0 && chain[0] instanceof X509Certificate x ? PeerIdentity.spiffeIdOf(x) : null;
            } catch (SSLPeerUnverifiedException e) {
                return null;
            }
        }
    }
}
