package io.portcullis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.model.HttpRoute;
import io.portcullis.telemetry.ConnectionLog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The clocks and tries of the VirtualService http route that took an exchange ({@link RouteActions}): its
 * {@code timeout}, its fault delay, its {@code retries}' per-try timeout, and whether a failed try goes again
 * (counted in the {@link Exchange}; {@code URX} flagged when the tries ran out). It decides and schedules;
 * {@link HttpExchangeLoop} acts (connects again, refuses, closes). A request no route took has
 * {@link RouteActions#NONE}: no clock, no retry. Runs on the client's event loop.
 */
final class RouteAttempts {
    private final ChannelHandlerContext ctx;
    private final ConnectionLog log;

    RouteAttempts(ChannelHandlerContext ctx, ConnectionLog log) {
        this.ctx = ctx;
        this.log = log;
    }

    /** Starts the route's {@code timeout}, if it has one: {@code expired} gets it when it passes. */
    void startTimeout(Exchange x, Consumer<Duration> expired) {
        x.route.actions().timeout().ifPresent(t -> x.routeTimeout = schedule(() -> expired.accept(t), t));
    }

    /** Runs the first try now, or after the route's fault delay (flagged {@code DI}). */
    void firstTry(Exchange x, Runnable go) {
        if (x.route.actions().delay().isPresent()) {
            log.routeFlag("DI");
            // Nothing cancels an injected delay: once it passes, the try starts (or finds the exchange gone).
            Future<?> unused = schedule(go, x.route.actions().delay().get());
        } else {
            go.run();
        }
    }

    /**
     * Starts the per-try timeout of the route's retries for the try now connecting, if it has one:
     * {@code expired} gets it when it passes before that try's answer started.
     */
    void startTry(Exchange x, Consumer<Duration> expired) {
        int attempt = x.routeRetries;
        x.route.actions().retries().perTryTimeout().ifPresent(t -> x.tryTimeout = schedule(() -> {
            if (x.routeRetries == attempt && !x.responseStarted) {
                expired.accept(t);
            }
        }, t));
    }

    /**
     * Whether the request goes again on a fresh connection: the route's {@code retries} cover the failure and
     * tries remain (one is counted now). When they cover it but none remain, flags {@code URX}. A request whose
     * body may have gone out already is not replayed (only a connect failure sent nothing).
     */
    boolean retry(Exchange x, RetryPolicy.Failure failure) {
        HttpRoute.Retries r = x.route.actions().retries();
        if (!RetryPolicy.covers(r, failure) || (failure != RetryPolicy.Failure.CONNECT_FAILURE && !x.retryable)) {
            return false;
        }
        return nextTry(x, r);
    }

    /** Whether a final response with {@code status} is dropped for another try, as {@link #retry}. */
    boolean retryOnStatus(Exchange x, int status) {
        HttpRoute.Retries r = x.route.actions().retries();
        if (r.attempts() == 0 || !RetryPolicy.covers(r, status) || !x.retryable || !x.requestComplete) {
            return false;
        }
        return nextTry(x, r);
    }

    private boolean nextTry(Exchange x, HttpRoute.Retries r) {
        if (x.routeRetries >= r.attempts()) {
            if (r.attempts() > 0) {
                log.routeFlag("URX");
            }
            return false;
        }
        x.routeRetries++;
        cancel(x.tryTimeout);
        return true;
    }

    /** The exchange ended (answered, refused, closed): its route's clocks stop. */
    static void cancel(@Nullable Exchange x) {
        if (x != null) {
            cancel(x.routeTimeout);
            cancel(x.tryTimeout);
        }
    }

    private Future<?> schedule(Runnable task, Duration after) {
        return ctx.executor().schedule(task, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void cancel(@Nullable Future<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
