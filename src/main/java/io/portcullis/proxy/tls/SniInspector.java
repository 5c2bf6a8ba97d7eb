package io.portcullis.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * TLS passthrough: peeks the ClientHello (bounded in size and time: {@link ClientHelloPeek}),
 * decides by its SNI, connects upstream, then removes itself so the buffered ClientHello is
 * replayed byte for byte into the relay. Never decrypts. A refusal by name or by authorization is
 * answered with a fatal TLS alert ({@link TlsAlerts}) before the close.
 */
public final class SniInspector extends ClientHelloPeek<Channel> {
    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final UpstreamConnector connector;

    public SniInspector(int maxClientHello, long timeoutMillis, EgressPolicy policy, ListenerSpec listener,
                        UpstreamConnector connector, ConnectionLog log) {
        super(maxClientHello, timeoutMillis, "ClientHello", log, true);
        this.policy = policy;
        this.listener = listener;
        this.connector = connector;
    }

    @Override
    protected Future<Channel> decide(ChannelHandlerContext ctx, String sni) {
        if (sni == null) {
            boolean tls = bufferedLooksLikeTls();
            return refuse(ctx, tls ? Reason.NO_SNI : Reason.NOT_TLS,
                    tls ? "ClientHello without SNI" : "not a TLS ClientHello");
        }
        log.requested(sni, listener.port());
        log.serverName(sni);
        if (!GatewayAuthorization.permits(policy, ctx.channel(), null, sni, sni, log)) {
            return ctx.executor().newFailedFuture(new UpstreamException(Reason.AUTHZ_DENIED, "refused by authorization"));
        }
        byte[] local = ((InetSocketAddress) ctx.channel().localAddress()).getAddress().getAddress();
        Decision decision = policy.decideSni(listener, sni, local);
        log.decided(decision);
        if (!decision.allowed()) {
            return ctx.executor().newFailedFuture(new UpstreamException(decision.reason(), decision.message()));
        }
        return connector.connect(ctx.channel().eventLoop(), decision);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<Channel> future) {
        if (!future.isSuccess() && future.cause() instanceof UpstreamException e) {
            Optional<ByteBuf> alert = TlsAlerts.forRefusal(e.reason());
            if (alert.isPresent()) {
                // The client is told, in TLS, why: unrecognized_name or access_denied, then the close.
                log.refused(e.reason(), e.getMessage());
                ctx.writeAndFlush(alert.get()).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        Relay.handOver(ctx, future, log);
    }
}
