package io.portcullis.proxy.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Answers a request with what its VirtualService http route says instead of forwarding it (a fault abort,
 * a redirect, a direct response): logged with the route's flag ({@code FI}) and status, and, unlike a
 * refusal ({@link RefusalAnswer}), the connection stays open when the client keeps it alive.
 */
final class LocalReplyAnswer {
    private LocalReplyAnswer() {
    }

    /**
     * @param keepAlive whether the client keeps the connection for another request (else it closes once written)
     * @param http10    the client spoke HTTP/1.0, which is told in a header that the connection stays open
     */
    static void send(ChannelHandlerContext ctx, ConnectionLog log, RouteActions.LocalReply reply, boolean keepAlive,
                     boolean http10) {
        FullHttpResponse response = RouteActions.toResponse(ctx.alloc(), reply);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive && http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (!reply.flag().equals("-")) {
            log.routeFlag(reply.flag());
        }
        log.addToClient(response.content().readableBytes());
        log.responded(reply.status());
        if (keepAlive) {
            // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
            ChannelFuture unused = ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
