package io.portcullis.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Holds what a channel reads, and the end of its input, until its relay is in place; passes both
 * on in their order when removed. Turning auto-read off does not stop every read: Netty's epoll
 * transport still reads what is pending when the peer half-closes, and a TLS handler keeps reading
 * until its handshake is done (and may decrypt the first bytes of a server-speaks-first protocol,
 * a MySQL greeting). Without this, those bytes, or the peer's half-close, would reach the end of
 * the pipeline and be lost. Releases what it holds if the channel closes first.
 */
public final class ReadHold extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    /** A held end of input, replayed as it came. */
    private record HeldEvent(Object event) {
    }

    private final Deque<Object> held = new ArrayDeque<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Nothing to flush until the relay is here.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
            held.add(new HeldEvent(evt));
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            release();
            return;
        }
        boolean read = false;
        for (Object item = held.poll(); item != null; item = held.poll()) {
            if (item instanceof HeldEvent e) {
                if (read) {
                    ctx.fireChannelReadComplete();
                    read = false;
                }
                ctx.fireUserEventTriggered(e.event());
            } else {
                ctx.fireChannelRead(item);
                read = true;
            }
        }
        if (read) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        for (Object item = held.poll(); item != null; item = held.poll()) {
            if (!(item instanceof HeldEvent)) {
                ReferenceCountUtil.release(item);
            }
        }
    }
}
