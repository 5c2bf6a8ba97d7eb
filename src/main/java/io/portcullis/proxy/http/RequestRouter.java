package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpRequest;

/**
 * Decides each request head a {@link HttpExchangeLoop} reads: the explicit proxy's CONNECT and
 * absolute-URI requests, a plain-HTTP Gateway server's Host-routed requests, or the plain HTTP
 * inside a CONNECT tunnel. Called on the client's event loop; never blocks.
 */
interface RequestRouter {
    /** The route for {@code request}; an {@link IllegalArgumentException} is answered as a bad request. */
    Route route(HttpRequest request);
}
