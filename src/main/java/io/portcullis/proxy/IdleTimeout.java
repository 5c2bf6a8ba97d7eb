package io.portcullis.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} when a connection has had neither a read
 * nor a flush for the timeout; the handlers behind it close the connection with its reason.
 *
 * <p>Netty's {@code IdleStateHandler} does the same but swaps every write's void promise for a
 * real one to watch its completion: an allocation and a listener per relayed chunk. A flush is
 * traffic enough, and the clock is read once per read batch and once per flush, never per chunk.
 * One timer per connection, re-armed for the remaining time rather than on every event.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private final long timeoutNanos;
    private long lastActivity;
    private ScheduledFuture<?> timer;

    public IdleTimeout(long timeoutMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("idle timeout must be positive: " + timeoutMillis + " ms");
        }
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastActivity = ctx.executor().ticker().nanoTime();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        lastActivity = ctx.executor().ticker().nanoTime();
        ctx.flush();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer != null) {
            return;
        }
        lastActivity = ctx.executor().ticker().nanoTime();
        schedule(ctx, timeoutNanos);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        timer = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        long idle = now - lastActivity;
        if (idle < timeoutNanos) {
            schedule(ctx, timeoutNanos - idle);
            return;
        }
        // Re-armed first: a handler that does not close on the event gets another one a timeout later.
        lastActivity = now;
        schedule(ctx, timeoutNanos);
        ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
