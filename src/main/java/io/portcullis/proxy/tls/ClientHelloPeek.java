package io.portcullis.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.InputEndHold;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.telemetry.ConnectionLog;
import java.util.concurrent.TimeUnit;

/**
 * What every ClientHello peek shares: Netty's {@link AbstractSniHandler} bounds the size; this
 * adds a timer that records {@code inspect_timeout} before closing (Netty's own closes without
 * saying why), the reasons for a ClientHello that is too large, not TLS or malformed, and, for
 * peeks that replay into a relay, holding the client's half-close until the buffered bytes have
 * gone ahead. A client that ends its input before the hello is complete is refused at once
 * ({@code incomplete_client_hello}). Subclasses {@link #decide} with the SNI.
 */
public abstract class ClientHelloPeek<T> extends AbstractSniHandler<T> {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private static final int TLS_HANDSHAKE_RECORD = 22;

    protected final ConnectionLog log;
    private final long timeoutMillis;
    private final String what;
    private final InputEndHold inputEnd;
    private ScheduledFuture<?> timeout;
    /** The hello is complete (or refused as not TLS) and the decision under way: an end of input now is held. */
    private boolean deciding;

    /**
     * @param what         names the peeked hello in the timeout's message ("ClientHello", "inner ClientHello")
     * @param holdInputEnd whether a half-close that arrives during the peek waits for the replay
     */
    protected ClientHelloPeek(int maxClientHello, long timeoutMillis, String what, ConnectionLog log,
                              boolean holdInputEnd) {
        super(maxClientHello, 0L);
        this.timeoutMillis = timeoutMillis;
        this.what = what;
        this.log = log;
        this.inputEnd = holdInputEnd ? new InputEndHold() : null;
    }

    /** Decides with the ClientHello's SNI ({@code null} when it names none, an empty one, or is not a ClientHello). */
    protected abstract Future<T> decide(ChannelHandlerContext ctx, String sni);

    /** The refusal text for a stream that is not TLS. */
    protected String notTls() {
        return "not a TLS record";
    }

    /** The refusal text for a ClientHello Netty could not parse. */
    protected String malformed(Throwable cause) {
        return String.valueOf(cause.getMessage());
    }

    /** Whether what was buffered starts like a TLS handshake record (to tell "no SNI" from "not TLS"). */
    protected final boolean bufferedLooksLikeTls() {
        ByteBuf buffered = internalBuffer();
        return buffered.isReadable() && buffered.getUnsignedByte(buffered.readerIndex()) == TLS_HANDSHAKE_RECORD;
    }

    /** Records the refusal and fails the lookup with it (Netty then calls {@code onLookupComplete}). */
    protected final Future<T> refuse(ChannelHandlerContext ctx, Reason reason, String message) {
        log.refused(reason, message);
        return ctx.executor().newFailedFuture(new UpstreamException(reason, message));
    }

    /**
     * Whether the hello's first bytes are fired into this handler as it is added (a tunnel's peek,
     * after the tunnel inspector held them): then the timer is armed only when those bytes leave the
     * hello incomplete, rather than armed and cancelled on nearly every connection.
     */
    protected boolean fedAtOnce() {
        return false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (!fedAtOnce()) {
            arm(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        if (timeout == null && !deciding && !ctx.isRemoved() && ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    private void arm(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            log.refused(Reason.INSPECT_TIMEOUT, "no complete " + what + " within " + timeoutMillis + " ms");
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        cancelTimer();
        super.handlerRemoved0(ctx);
        if (inputEnd != null) {
            inputEnd.replay(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!deciding && evt instanceof ChannelInputShutdownEvent) {
            // The client half-closed (or closed) mid-hello: no more bytes can complete it, so waiting
            // for the inspect timeout would only hold the connection open.
            cancelTimer();
            log.refused(Reason.INCOMPLETE_CLIENT_HELLO, "the client ended its input after "
                    + internalBuffer().readableBytes() + " bytes, before a complete " + what);
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        if (inputEnd == null || !inputEnd.hold(evt)) {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    protected final Future<T> lookup(ChannelHandlerContext ctx, String sni) {
        deciding = true;
        cancelTimer();
        // Netty hands over a server_name of length zero (invalid, RFC 6066 §3) as "": it names nothing.
        return decide(ctx, sni == null || sni.isEmpty() ? null : sni);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof TooLongFrameException) {
            log.refused(Reason.CLIENT_HELLO_TOO_LARGE, c.getMessage());
        } else if (c instanceof NotSslRecordException) {
            log.refused(Reason.NOT_TLS, notTls());
        } else {
            log.refused(Reason.BAD_REQUEST, malformed(c));
        }
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx.close();
    }

    private void cancelTimer() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
