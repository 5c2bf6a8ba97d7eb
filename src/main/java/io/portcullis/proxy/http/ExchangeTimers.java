package io.portcullis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.proxy.ProxySettings;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The client connection's two inspect-timeout clocks: one for the first request head (a client
 * that connects and says nothing, or too slowly, is refused), and one for an answer to start
 * after the client ended its input with a request outstanding (see
 * {@link HttpExchangeLoop}'s half-close handling). The idle timeout is the pipeline's
 * {@code IdleStateHandler}. Runs on the client's event loop.
 */
final class ExchangeTimers {
    private final ChannelHandlerContext ctx;
    private final ProxySettings settings;
    private @Nullable ScheduledFuture<?> head;
    private @Nullable ScheduledFuture<?> answer;

    ExchangeTimers(ChannelHandlerContext ctx, ProxySettings settings) {
        this.ctx = ctx;
        this.settings = settings;
    }

    long inspectMillis() {
        return settings.inspectTimeout().toMillis();
    }

    /** Runs {@code expired} unless a request head arrives ({@link #headArrived}) within the inspect timeout. */
    void awaitHead(Runnable expired) {
        head = ctx.executor().schedule(expired, inspectMillis(), TimeUnit.MILLISECONDS);
    }

    void headArrived() {
        if (head != null) {
            head.cancel(false);
        }
    }

    /** Runs {@code expired} after the inspect timeout; once per connection, as the client ends its input once. */
    void awaitAnswer(Runnable expired) {
        if (answer == null) {
            answer = ctx.executor().schedule(expired, inspectMillis(), TimeUnit.MILLISECONDS);
        }
    }

    void cancelAll() {
        headArrived();
        if (answer != null) {
            answer.cancel(false);
        }
    }
}
