package io.portcullis.admin;

import java.util.function.Consumer;

/**
 * A server-sent event stream ({@code text/event-stream}) served by {@link AdminServer}: the
 * response stays open and every text handed to the sink goes out as it comes. Events a slow
 * client cannot take are dropped, never buffered without bound.
 */
public interface EventStream {
    boolean serves(String path);

    /**
     * Starts sending to {@code sink} (any thread; each call is one complete event, e.g.
     * {@code "data: {...}\n\n"}); the returned handle stops it when the client goes.
     */
    AutoCloseable open(AdminRequest request, Consumer<String> sink);
}
