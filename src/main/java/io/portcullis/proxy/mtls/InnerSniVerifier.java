package io.portcullis.proxy.mtls;

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
import io.portcullis.policy.HostNames;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.proxy.InputEndHold;
import io.portcullis.telemetry.ConnectionLog;
import java.util.concurrent.TimeUnit;

/**
 * The article's {@code sni_verifier}, built in: inside a mutual-TLS connection whose destination
 * speaks TLS, peeks the app's own ClientHello (bounded like every peek) and refuses the connection
 * with {@code sni_mismatch} unless its SNI is the one the sidecar announced, which is what the
 * gateway routed and authorized by. Then connects and replays the ClientHello byte for byte.
 */
final class InnerSniVerifier extends AbstractSniHandler<Channel> {
    private static final int TLS_HANDSHAKE_RECORD = 22;

    private final long timeoutMillis;
    private final String announced;
    private final Decision decision;
    private final UpstreamConnector connector;
    private final ConnectionLog log;
    private ScheduledFuture<?> timeout;
    private final InputEndHold inputEnd = new InputEndHold();

    InnerSniVerifier(int maxClientHello, long timeoutMillis, String announced, Decision decision,
                     UpstreamConnector connector, ConnectionLog log) {
        super(maxClientHello, 0L);
        this.timeoutMillis = timeoutMillis;
        this.announced = HostNames.normalize(announced);
        this.decision = decision;
        this.connector = connector;
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        timeout = ctx.executor().schedule(() -> {
            log.refused(Reason.INSPECT_TIMEOUT, "no complete inner ClientHello within " + timeoutMillis + " ms");
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
    protected Future<Channel> lookup(ChannelHandlerContext ctx, String innerSni) {
        timeout.cancel(false);
        if (innerSni == null) {
            ByteBuf buffered = internalBuffer();
            boolean tls = buffered.isReadable() && buffered.getUnsignedByte(buffered.readerIndex()) == TLS_HANDSHAKE_RECORD;
            return refuse(ctx, tls ? Reason.SNI_MISMATCH : Reason.NOT_TLS, tls
                    ? "the app's ClientHello has no SNI; the sidecar announced " + announced
                    : "the app's stream is not TLS, but " + decision.resource() + " declares this port as TLS");
        }
        String inner = HostNames.normalize(innerSni);
        if (!inner.equals(announced)) {
            return refuse(ctx, Reason.SNI_MISMATCH, "the app's ClientHello names " + inner + " but the sidecar announced "
                    + announced);
        }
        return connector.connect(ctx.channel().eventLoop(), decision.upstream());
    }

    private Future<Channel> refuse(ChannelHandlerContext ctx, Reason reason, String message) {
        log.refused(reason, message);
        return ctx.executor().newFailedFuture(new UpstreamException(reason, message));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Channel> future) {
        if (!future.isSuccess()) {
            if (future.cause() instanceof UpstreamException e) {
                log.refused(e.reason(), e.getMessage());
            }
            ctx.close();
            return;
        }
        Channel upstream = future.getNow();
        if (!ctx.channel().isActive()) {
            upstream.close();
            return;
        }
        log.upstream(upstream.remoteAddress());
        Relay.join(ctx.channel(), upstream, log);
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof TooLongFrameException) {
            log.refused(Reason.CLIENT_HELLO_TOO_LARGE, c.getMessage());
        } else if (c instanceof NotSslRecordException) {
            log.refused(Reason.NOT_TLS, "the app's stream is not TLS, but " + decision.resource()
                    + " declares this port as TLS");
        } else {
            log.refused(Reason.BAD_REQUEST, String.valueOf(c.getMessage()));
        }
        ctx.close();
    }
}
