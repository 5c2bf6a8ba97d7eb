package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * An in-process {@link UpstreamSource} for handler tests: every new upstream connection is an
 * {@link EmbeddedChannel} with the real upstream HTTP codec and {@link UpstreamExchangeHandler}
 * installed, and connections released as reusable are handed out again, as {@link UpstreamPool}
 * does. A test reads what an upstream was sent with {@code readOutbound} and answers with
 * {@code writeInbound}. A connect failure can be queued with {@link #failNextConnect}.
 */
final class EmbeddedUpstreams implements UpstreamSource {
    final List<EmbeddedChannel> opened = new ArrayList<>();
    private final Deque<EmbeddedChannel> idle = new ArrayDeque<>();
    private Throwable nextFailure;
    boolean clientClosed;

    void failNextConnect(Throwable cause) {
        nextFailure = cause;
    }

    EmbeddedChannel only() {
        if (opened.size() != 1) {
            throw new AssertionError("expected one upstream connection, got " + opened.size());
        }
        return opened.get(0);
    }

    @Override
    public Future<UpstreamLease> acquire(EventLoop loop, Route.Forward route, boolean fresh) {
        if (nextFailure != null) {
            Throwable cause = nextFailure;
            nextFailure = null;
            return loop.newFailedFuture(cause);
        }
        EmbeddedChannel reuse = fresh ? null : idle.poll();
        if (reuse != null) {
            return loop.newSucceededFuture(new UpstreamLease(reuse, true));
        }
        EmbeddedChannel ch = new EmbeddedChannel();
        UpstreamExchangeHandler.install(ch);
        opened.add(ch);
        return loop.newSucceededFuture(new UpstreamLease(ch, false));
    }

    @Override
    public void release(Channel upstream, boolean reusable) {
        UpstreamExchangeHandler handler = UpstreamExchangeHandler.of(upstream);
        if (handler != null) {
            handler.detach();
        }
        if (reusable && upstream.isActive()) {
            idle.add((EmbeddedChannel) upstream);
        } else {
            upstream.close();
        }
    }

    @Override
    public void clientClosed() {
        clientClosed = true;
    }

    /** Closes every connection and releases what they still hold. */
    void closeAll() {
        for (EmbeddedChannel ch : opened) {
            ch.finishAndReleaseAll();
        }
    }
}
