package io.portcullis.proxy.http;

import io.netty.channel.Channel;

/**
 * An upstream connection handed to one exchange, its pipeline ready for HTTP (TLS, when
 * originated, already handshaken).
 *
 * @param reused whether the connection served an earlier exchange (a stale keep-alive connection
 *               may be closed by the server at any moment, so a bodiless request on it may be retried once)
 */
record UpstreamLease(Channel channel, boolean reused) {
}
