package io.portcullis.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link EventStream} on one admin connection: a chunked {@code text/event-stream}
 * response, then every event as a chunk, written on the connection's event loop. An event that
 * finds the connection unwritable (a slow client) is dropped; the stream stops when the client
 * closes. The connection serves nothing else afterwards.
 */
final class EventStreams {
    private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);

    private EventStreams() {
    }

    static void serve(ChannelHandlerContext ctx, EventStream stream, AdminRequest request) {
        Channel ch = ctx.channel();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        HttpUtil.setTransferEncodingChunked(head, true);
        // A failed write closes the stream, and the close ends the subscription below.
        ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        // Nothing more is read from this connection: the stream is its only answer.
        ch.config().setAutoRead(false);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(": stream open\n\n", StandardCharsets.UTF_8)))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        AutoCloseable subscription = stream.open(request, event -> ch.eventLoop().execute(() -> {
            if (ch.isActive() && ch.isWritable()) {
                ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(event, StandardCharsets.UTF_8)))
                        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        }));
        ch.closeFuture().addListener(f -> {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.debug("closing an event stream", e);
            }
        });
    }
}
