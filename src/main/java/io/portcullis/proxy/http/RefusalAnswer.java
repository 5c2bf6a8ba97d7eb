package io.portcullis.proxy.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionLog;
import java.util.OptionalInt;

/**
 * Ends a client connection with the gateway's refusal: the reason is logged, and the client gets
 * the reason's status with the {@code x-portcullis-reason} header and a one-line body
 * ({@link ProxyResponses}), then the connection closes. When a response had already started,
 * nothing more can be said in HTTP: the connection closes and the started status is logged.
 */
final class RefusalAnswer {
    private RefusalAnswer() {
    }

    /**
     * @param startedStatus the status of a response already under way to the client, if one is
     */
    static void send(ChannelHandlerContext ctx, ConnectionLog log, Reason reason, String message,
                     OptionalInt startedStatus) {
        send(ctx, log, reason, message, startedStatus, ProxyResponses.statusFor(reason));
    }

    /** As above, answering {@code status} instead of the reason's own. */
    static void send(ChannelHandlerContext ctx, ConnectionLog log, Reason reason, String message,
                     OptionalInt startedStatus, HttpResponseStatus status) {
        log.refused(reason, message);
        if (startedStatus.isPresent()) {
            log.responded(startedStatus.getAsInt());
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        log.responded(status.code());
        ctx.writeAndFlush(ProxyResponses.refusal(ctx.alloc(), status, reason, message))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
