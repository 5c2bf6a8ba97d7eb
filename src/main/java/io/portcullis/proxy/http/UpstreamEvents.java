package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpObject;
import org.jspecify.annotations.Nullable;

/**
 * What an upstream HTTP connection tells the exchange that holds it ({@link UpstreamExchangeHandler}
 * calls these; the {@link HttpExchangeLoop} implements them). An interface, so the upstream side
 * depends on no handler class and calls run one way only. Called on the shared event loop.
 */
interface UpstreamEvents {
    /** A response part; ownership passes to the callee. */
    void onUpstream(Channel from, HttpObject msg);

    /** The end of one read batch from the upstream: time to flush towards the client. */
    void upstreamReadComplete();

    /** The upstream can take writes again (request body back-pressure). */
    void upstreamWritable();

    /** The upstream connection closed, with the exception that closed it if one did. */
    void upstreamClosed(Channel which, @Nullable Throwable cause);
}
