package io.portcullis.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.GatewayAuthorization;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.proxy.InputEndHold;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * TLS passthrough: peeks the ClientHello (bounded in size and time by Netty's
 * {@link AbstractSniHandler}), decides by its SNI, connects upstream, then removes itself so the
 * buffered ClientHello is replayed byte for byte into the relay. Never decrypts.
 */
public final class SniInspector extends AbstractSniHandler<Channel> {
    private static final int TLS_HANDSHAKE_RECORD = 22;

    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final UpstreamConnector connector;
    private final ConnectionLog log;

    private final long timeoutMillis;
    private ScheduledFuture<?> timeout;
    private final InputEndHold inputEnd = new InputEndHold();

    public SniInspector(int maxClientHello, long timeoutMillis, EgressPolicy policy, ListenerSpec listener,
                        UpstreamConnector connector, ConnectionLog log) {
        // Netty's own timer closes without telling why; ours records the reason first.
        super(maxClientHello, 0L);
        this.timeoutMillis = timeoutMillis;
        this.policy = policy;
        this.listener = listener;
        this.connector = connector;
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        timeout = ctx.executor().schedule(() -> {
            log.refused(Reason.INSPECT_TIMEOUT, "no complete ClientHello within " + timeoutMillis + " ms");
            ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        if (timeout != null) {
            timeout.cancel(false);
        }
        super.handlerRemoved0(ctx);
        inputEnd.replay(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!inputEnd.hold(evt)) {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    protected Future<Channel> lookup(ChannelHandlerContext ctx, String sni) {
        timeout.cancel(false);
        if (sni == null) {
            ByteBuf buffered = internalBuffer();
            boolean tls = buffered.isReadable() && buffered.getUnsignedByte(buffered.readerIndex()) == TLS_HANDSHAKE_RECORD;
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

    private Future<Channel> refuse(ChannelHandlerContext ctx, Reason reason, String message) {
        log.refused(reason, message);
        return ctx.executor().newFailedFuture(new UpstreamException(reason, message));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<Channel> future) {
        Relay.handOver(ctx, future, log);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        classify(cause);
        ctx.close();
    }

    private void classify(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof TooLongFrameException) {
            log.refused(Reason.CLIENT_HELLO_TOO_LARGE, c.getMessage());
        } else if (c instanceof NotSslRecordException) {
            log.refused(Reason.NOT_TLS, "not a TLS record");
        } else {
            log.refused(Reason.BAD_REQUEST, String.valueOf(c.getMessage()));
        }
    }
}
