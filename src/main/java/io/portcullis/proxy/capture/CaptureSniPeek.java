package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.InputEndHold;
import io.portcullis.telemetry.ConnectionLog;
import java.util.concurrent.TimeUnit;

/**
 * Reads the SNI of a captured connection's ClientHello (bounded by Netty's
 * {@link AbstractSniHandler} and our timer), decides with it, and replays the ClientHello byte for
 * byte into the relay. A connection that names no host is decided without a name (an address-less
 * TCP entry may still take it).
 */
final class CaptureSniPeek extends AbstractSniHandler<Channel> {
    private final long timeoutMillis;
    private final CapturedFlow flow;
    private final ConnectionLog log;
    private ScheduledFuture<?> timeout;
    private final InputEndHold inputEnd = new InputEndHold();

    CaptureSniPeek(int maxClientHello, long timeoutMillis, CapturedFlow flow, ConnectionLog log) {
        super(maxClientHello, 0L);
        this.timeoutMillis = timeoutMillis;
        this.flow = flow;
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
        return flow.open(sni, true);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<Channel> future) {
        flow.joinWhenReady(ctx, this, future);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof TooLongFrameException) {
            log.refused(Reason.CLIENT_HELLO_TOO_LARGE, c.getMessage());
        } else if (c instanceof NotSslRecordException) {
            log.refused(Reason.NOT_TLS, "not a TLS record on a port declared for TLS");
        } else {
            log.refused(Reason.BAD_REQUEST, String.valueOf(c.getMessage()));
        }
        ctx.close();
    }
}
