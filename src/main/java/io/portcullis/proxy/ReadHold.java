package io.portcullis.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Holds what a channel reads until its relay is in place, then passes it on in order when removed.
 * Needed behind a TLS handler: it keeps reading until the handshake is done and may decrypt the
 * first bytes of a server-speaks-first protocol (a MySQL greeting) before anyone is listening.
 * Releases what it holds if the channel closes first.
 */
public final class ReadHold extends ChannelInboundHandlerAdapter {
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
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            release();
            return;
        }
        boolean any = !held.isEmpty();
        for (Object msg = held.poll(); msg != null; msg = held.poll()) {
            ctx.fireChannelRead(msg);
        }
        if (any) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        for (Object msg = held.poll(); msg != null; msg = held.poll()) {
            ReferenceCountUtil.release(msg);
        }
    }
}
