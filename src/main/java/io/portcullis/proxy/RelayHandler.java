package io.portcullis.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionLog;
import java.io.IOException;
import java.nio.channels.NotYetConnectedException;

/**
 * Moves bytes from its channel to the peer, one of a pair (client side and upstream side).
 *
 * <p>Back-pressure: when the peer's outbound buffer is over its high-water mark, reading from
 * this side stops until the peer drains ({@link #channelWritabilityChanged} on the peer's
 * handler turns it back on). Writes are flushed once per read batch. Half-close: end of input on
 * one side shuts down the peer's output; the pair closes once both directions are done, so a
 * client that half-closes still receives the whole answer. Over TLS (a mutual-TLS hop), a
 * close_notify also ends the input; the end of output is the TCP half-close after the last sealed
 * record, and a full close sends the close_notify. Runs on the one event loop both channels share.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private final Channel peer;
    private final ConnectionLog log;
    private final boolean fromClient;
    private boolean inputDone;

    RelayHandler(Channel peer, ConnectionLog log, boolean fromClient) {
        this.peer = peer;
        this.log = log;
        this.fromClient = fromClient;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            if (fromClient) {
                log.addFromClient(buf.readableBytes());
            } else {
                log.addToClient(buf.readableBytes());
            }
        }
        // The void promise reports a failed write through the peer's exceptionCaught, which closes both sides.
        ChannelFuture unused = peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            Relay.resumeReading(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
            if (!inputDone) {
                inputDone = true;
                halfClose(ctx.channel());
            }
        } else if (evt instanceof IdleStateEvent) {
            log.refused(Reason.IDLE_TIMEOUT, "no traffic in either direction");
            closeBoth(ctx.channel());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void halfClose(Channel self) {
        RelayHandler other = peer.pipeline().get(RelayHandler.class);
        boolean peerDone = other != null ? other.inputDone : peer instanceof DuplexChannel d && d.isInputShutdown();
        if (peerDone || !(peer instanceof DuplexChannel)) {
            closeBoth(self);
            return;
        }
        // Over TLS too, the half-close is the TCP one: a close_notify would end both directions, since
        // BoringSSL closes its engine whole on receiving one; data written before it is sealed first.
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && endOutput(peer)) {
                // The peer's end of input now closes the pair: Netty need not shut its input down
                // first (a syscall that fails with ENOTCONN, and an exception, once the peer is gone).
                peer.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
            } else {
                closeBoth(self);
            }
        });
    }

    /**
     * Sends the FIN: on a native (epoll, io_uring) channel straight through its socket, which
     * updates the state Netty reads ({@code isOutputShutdown}); Netty's own
     * {@code shutdownOutput} builds a {@code ChannelOutputShutdownException} with its stack trace
     * on every call, to fail writes that the empty write above has already shown there are none
     * of. Other channels (NIO) take Netty's path. False when the socket refused (closed, reset).
     */
    private static boolean endOutput(Channel peer) {
        if (peer instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
                return true;
            } catch (IOException | NotYetConnectedException e) {
                // ENOTCONN (the peer reset meanwhile) comes as Netty's unchecked NotYetConnectedException:
                // uncaught, it escaped the listener as a warning with a stack trace, and the pair was not closed here.
                return false;
            }
        }
        // Fire-and-forget: a failed half-close ends in the channel's close, handled there.
        ChannelFuture unused = ((DuplexChannel) peer).shutdownOutput();
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeBoth(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are how peers end connections; the access line tells the story.
        closeBoth(ctx.channel());
    }

    private void closeBoth(Channel self) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        // Netty's close() builds a ClosedChannelException on every call, even a no-op one: a channel
        // already closed (channelInactive) is not closed again.
        if (self.isOpen()) {
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = self.close();
        }
    }
}
