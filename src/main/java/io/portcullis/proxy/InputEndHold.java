package io.portcullis.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * For the inspection handlers that buffer the client's first bytes (ClientHello and request-head
 * peeks, built on Netty's {@code ByteToMessageDecoder}): a client that sends and half-closes at
 * once must not lose its half-close while the decision is pending. The handler keeps the event
 * here instead of passing it on, and replays it once it has left the pipeline and its buffered
 * bytes have gone ahead into the relay. Used on the connection's event loop only.
 */
public final class InputEndHold {
    private boolean held;

    /** True when {@code evt} is the end of input and is now held (the caller must not pass it on). */
    public boolean hold(Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            held = true;
            return true;
        }
        return false;
    }

    /** Call from {@code handlerRemoved0}, after the buffered bytes went on. */
    public void replay(ChannelHandlerContext ctx) {
        if (held && ctx.channel().isActive()) {
            held = false;
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }
}
