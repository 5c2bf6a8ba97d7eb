package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.portcullis.telemetry.ConnectionLog;

/**
 * The request side of an exchange: gets an upstream connection from the {@link UpstreamSource}
 * (a keep-alive pool, or the one connection of a CONNECT tunnel), writes the request head to it
 * and then its body, and says when a request may go out again on a fresh connection because a
 * reused one turned out to be stale. Runs on the client's event loop, which its upstreams share.
 */
final class UpstreamRequestWriter {
    private final UpstreamSource upstreams;
    private final ConnectionLog log;

    UpstreamRequestWriter(UpstreamSource upstreams, ConnectionLog log) {
        this.upstreams = upstreams;
        this.log = log;
    }

    /** A connection for the exchange's route; {@code fresh} never reuses an idle one (the stale-connection retry). */
    Future<UpstreamLease> acquire(EventLoop loop, Exchange x, boolean fresh) {
        return upstreams.acquire(loop, x.route, fresh);
    }

    /**
     * Binds the leased connection to the exchange ({@code events} hears its response) and writes
     * the request head, unflushed. This is the one place a request head goes upstream, so the
     * VirtualService http route's request actions (rewrite, header edits) are applied here, once:
     * a retry sends the head as it already is. A bodiless request whose end already went to a
     * stale connection is ended here too.
     */
    Channel start(Exchange x, UpstreamLease lease, UpstreamEvents events) {
        Channel up = lease.channel();
        if (!x.routeActionsApplied) {
            x.routeActionsApplied = true;
            x.route.actions().onRequest(x.head);
        }
        x.reused = lease.reused();
        UpstreamExchangeHandler.of(up).attach(events);
        log.upstream(up.remoteAddress());
        log.relayed();
        up.config().setAutoRead(true);
        // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
        ChannelFuture unused = up.write(x.head);
        if (x.requestComplete) {
            // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
            ChannelFuture unusedUp = up.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        return up;
    }

    /** Writes one part of the request body; true when it was the last, which is flushed. */
    boolean body(Channel up, Exchange x, HttpContent content) {
        log.addFromClient(content.content().readableBytes());
        // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
        ChannelFuture unused = up.write(content);
        if (content instanceof LastHttpContent) {
            x.requestComplete = true;
            up.flush();
            return true;
        }
        return false;
    }

    /**
     * Whether the request goes out once more on a fresh connection, after its reused connection
     * closed before any answer: a keep-alive connection may be closed by the server at any moment,
     * so a bodiless request on one is retried, once.
     */
    boolean retryOnFresh(Exchange x) {
        if (x.reused && x.retryable && !x.retried) {
            x.retried = true;
            return true;
        }
        return false;
    }

    /** Gives the connection back: kept for the next exchange when {@code reusable}, else closed. */
    void release(Channel up, boolean reusable) {
        upstreams.release(up, reusable);
    }

    void clientClosed() {
        upstreams.clientClosed();
    }
}
