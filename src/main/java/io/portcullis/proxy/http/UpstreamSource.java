package io.portcullis.proxy.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/** Where a {@link HttpExchangeLoop} gets upstream connections: the shared pool, or the one connection of a CONNECT tunnel. */
interface UpstreamSource {
    /**
     * A connection for {@code route} on {@code loop}, attached to nothing yet.
     *
     * @param fresh never reuse an idle connection (the retry after a stale one)
     */
    Future<UpstreamLease> acquire(EventLoop loop, Route.Forward route, boolean fresh);

    /** Gives a connection back after its exchange: kept for the next exchange when {@code reusable}, else closed. */
    void release(io.netty.channel.Channel upstream, boolean reusable);

    /** The client connection closed. */
    default void clientClosed() {
    }
}
