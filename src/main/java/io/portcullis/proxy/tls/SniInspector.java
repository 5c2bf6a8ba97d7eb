package io.portcullis.proxy.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.telemetry.ConnectionLog;

/**
 * TLS passthrough: peeks the ClientHello (bounded in size and time: {@link ClientHelloPeek}),
 * gathers its SNI into the connection's facts, asks {@link Admission#admit}, and hands a forward
 * to the {@link ForwardExecutor}; once the relay is in place this handler leaves, replaying the
 * buffered ClientHello byte for byte. Never decrypts. A refusal (by name, by authorization, by the
 * guards) is answered with a fatal TLS alert ({@link TlsAlerts}) before the close.
 */
public final class SniInspector extends ClientHelloPeek<Channel> {
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final ForwardExecutor executor;

    public SniInspector(int maxClientHello, long timeoutMillis, EgressPolicy policy, ListenerSpec listener,
                        ForwardExecutor executor, ConnectionLog log) {
        super(maxClientHello, timeoutMillis, "ClientHello", log, true);
        this.policy = policy;
        this.listener = listener;
        this.executor = executor;
    }

    @Override
    protected Future<Channel> decide(ChannelHandlerContext ctx, String sni) {
        if (sni == null) {
            boolean tls = bufferedLooksLikeTls();
            return refuse(ctx, tls ? Reason.NO_SNI : Reason.NOT_TLS,
                    tls ? "ClientHello without SNI" : "not a TLS ClientHello");
        }
        log.serverName(sni);
        Verdict verdict = Admission.admit(policy,
                ChannelFacts.of(ListenerKind.TLS_PASSTHROUGH, listener, ctx.channel()).sni(sni).build());
        log.decided(verdict);
        if (!(verdict instanceof Verdict.Forward forward)) {
            return ctx.executor().newFailedFuture(ForwardExecutor.failure(verdict));
        }
        return executor.open(ctx.channel().eventLoop(), forward, log);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<Channel> future) {
        executor.relay(ctx, future, log, true);
    }
}
