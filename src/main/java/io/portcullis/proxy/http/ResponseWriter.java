package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.telemetry.ConnectionLog;

/**
 * The response side of an exchange: passes what the upstream answers to the client, interim
 * responses ({@code 100 Continue}) included, with the final head prepared by
 * {@link Exchange#finalResponse}; pauses the upstream while the client cannot take more; and tells
 * the exchange loop, as a {@link Step}, when the response is complete, when a {@code 101} has
 * switched protocols, or when the upstream's answer is not valid HTTP. Runs on the client's event loop.
 */
final class ResponseWriter {
    /** What the exchange loop does after one response part. */
    sealed interface Step {
        /** Nothing yet: more of the response follows. */
        record More() implements Step {
        }

        /** The response ended and went to the client. */
        record Complete() implements Step {
        }

        /** A {@code 101} went to the client and its message ended: both sides now speak the new protocol. */
        record Switched() implements Step {
        }

        /** The upstream's answer is not valid; nothing of this part went to the client. */
        record Invalid(Throwable cause) implements Step {
        }

        /**
         * The route's {@code retries} cover the final status: nothing of this response went to the client,
         * and the request goes again on a fresh connection (a try was counted).
         */
        record Retry() implements Step {
        }
    }

    private static final Step MORE = new Step.More();
    private static final Step COMPLETE = new Step.Complete();
    private static final Step SWITCHED = new Step.Switched();
    private static final Step RETRY = new Step.Retry();

    private final ChannelHandlerContext client;
    private final ConnectionLog log;
    private final RouteAttempts attempts;

    ResponseWriter(ChannelHandlerContext client, ConnectionLog log, RouteAttempts attempts) {
        this.client = client;
        this.log = log;
        this.attempts = attempts;
    }

    /** Passes one response part from {@code upstream} on (ownership included). */
    Step write(Exchange x, Channel upstream, HttpObject msg) {
        if (msg instanceof HttpResponse response) {
            Step head = head(x, response);
            if (head instanceof Step.Invalid || head instanceof Step.Retry) {
                ReferenceCountUtil.release(msg);
                return head;
            }
        }
        if (!(msg instanceof HttpContent content)) {
            return MORE;
        }
        if (!content.decoderResult().isSuccess()) {
            ReferenceCountUtil.release(msg);
            return new Step.Invalid(content.decoderResult().cause());
        }
        boolean last = msg instanceof LastHttpContent;
        if (x.interim) {
            // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
            ChannelFuture unused = client.write(msg);
            if (last) {
                x.interim = false;
                client.flush();
            }
            return MORE;
        }
        if (x.switching) {
            ReferenceCountUtil.release(msg);
            return last ? SWITCHED : MORE;
        }
        log.addToClient(content.content().readableBytes());
        // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
        ChannelFuture unused = client.write(msg);
        if (last) {
            x.responseComplete = true;
            client.flush();
            return COMPLETE;
        }
        if (!client.channel().isWritable()) {
            // Resumed by the exchange loop when the client drains (channelWritabilityChanged).
            upstream.config().setAutoRead(false);
        }
        return MORE;
    }

    /**
     * A response head came back: the one place where a response head is seen before the client
     * gets it, so the VirtualService http route acts here: a final status its {@code retries}
     * cover is dropped for another try, else its response header edits apply after
     * {@link Exchange#finalResponse}.
     */
    private Step head(Exchange x, HttpResponse response) {
        if (!response.decoderResult().isSuccess()) {
            return new Step.Invalid(response.decoderResult().cause());
        }
        int code = response.status().code();
        if (code == 101) {
            if (!x.upgrade) {
                return new Step.Invalid(new IllegalStateException(
                        "101 Switching Protocols to a request that asked for no upgrade"));
            }
            // Written now; the byte relay starts once the decoder has ended this message.
            x.switching = true;
            x.responseStarted = true;
            x.status = code;
            // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
            ChannelFuture unused = client.writeAndFlush(response);
            // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
            ChannelFuture unusedClient = client.write(LastHttpContent.EMPTY_LAST_CONTENT);
            return MORE;
        }
        if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            x.interim = true;
            // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
            ChannelFuture unused = client.write(response);
            return MORE;
        }
        if (attempts.retryOnStatus(x, code)) {
            return RETRY;
        }
        x.finalResponse(response);
        x.route.actions().onResponse(response);
        x.status = code;
        // Fire-and-forget: a failed write closes the channel, and the close ends the exchange.
        ChannelFuture unused = client.write(response);
        return MORE;
    }
}
