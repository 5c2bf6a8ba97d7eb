package io.portcullis.proxy.mtls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.http.UpstreamPool;
import io.portcullis.telemetry.ConnectionLog;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of a Gateway listener that terminates mutual TLS ({@code MUTUAL},
 * {@code ISTIO_MUTUAL}): Netty's {@link SniHandler} reads the ClientHello (bounded in size and
 * time), remembers its SNI and becomes the {@link SslHandler}, which requires a client
 * certificate from the configured CA; then {@link MutualTlsInbound} takes the decision, and
 * serves HTTP inside the hop with the gateway's shared {@code pool} of upstream connections.
 */
public final class MutualTlsListener {
    private MutualTlsListener() {
    }

    /** Adds the mutual-TLS steps to a new connection's pipeline, or refuses it when the certificates are missing. */
    public static void install(Channel ch, EgressPolicy policy, ListenerSpec listener, TlsContexts contexts,
                               ProxySettings settings, ForwardExecutor executor, UpstreamPool pool,
                               ConnectionLog log) {
        TlsContexts.Lookup lookup = contexts == null
                ? TlsContexts.Lookup.failed("this gateway was started without TLS support") : contexts.server(listener.tls());
        if (lookup.context() == null) {
            log.refused(Reason.TLS_UNAVAILABLE, lookup.problem());
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ch.close();
            return;
        }
        ch.config().setAutoRead(true);
        SslContext context = lookup.context();
        long timeout = settings.inspectTimeout().toMillis();
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.MTLS_SNI, new SniHandler(host -> context, settings.maxClientHello(), timeout) {
            @Override
            protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) throws Exception {
                if (hostname != null) {
                    // A name outside the Gateway servers' hosts is refused whoever the caller turns out to
                    // be, so it is told now, in TLS, not after a handshake. Other refusals wait for the
                    // caller's identity: its namespace may see entries this gateway's own does not (exportTo).
                    Optional<Verdict.Refusal> early = Admission.refusalForEveryCaller(policy,
                            ChannelFacts.of(ListenerKind.MUTUAL_TLS, listener, ctx.channel()).sni(hostname).build());
                    if (early.isPresent()) {
                        Verdict.Refusal refusal = early.get();
                        log.decided(refusal);
                        ForwardExecutor.refuse(ctx, ForwardExecutor.failure(refusal), log, true);
                        return ctx.executor().newFailedFuture(ForwardExecutor.failure(refusal));
                    }
                }
                return super.lookup(ctx, hostname);
            }

            @Override
            protected SslHandler newSslHandler(SslContext ctx, ByteBufAllocator alloc) {
                SslHandler handler = super.newSslHandler(ctx, alloc);
                handler.setHandshakeTimeout(timeout, TimeUnit.MILLISECONDS);
                return handler;
            }
        });
        p.addLast(PipelineNames.MTLS_INBOUND, new MutualTlsInbound(policy, listener, settings, executor, pool, log));
    }
}
