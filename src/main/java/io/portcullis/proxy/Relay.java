package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.portcullis.telemetry.ConnectionLog;

/** Joins a client channel and a connected upstream channel with a pair of {@link RelayHandler}s. */
public final class Relay {
    private Relay() {
    }

    /**
     * Installs the relay at the end of both pipelines and starts reading. Call on the event loop;
     * inspection handlers still in the client pipeline may be removed afterwards, and whatever
     * they buffered then flows into the relay.
     */
    /**
     * Removes the {@link ReadHold} of a joined channel, if it has one: what it held flows into the
     * relay, in order. Call right after {@link #join}.
     */
    public static void release(Channel ch) {
        if (ch.pipeline().get(PipelineNames.READ_HOLD) != null) {
            ch.pipeline().remove(PipelineNames.READ_HOLD);
        }
    }

    public static void join(Channel client, Channel upstream, ConnectionLog log) {
        ChannelPipeline cp = client.pipeline();
        cp.addLast(PipelineNames.RELAY, new RelayHandler(upstream, log, true));
        upstream.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(client, log, false));
        resumeReading(client);
        resumeReading(upstream);
    }

    /**
     * Turns auto-read on, unless the channel's input is already shut down (the peer half-closed
     * before the relay was in place): there is nothing left to read, and Netty's epoll transport
     * fails the read request on such a channel (epoll_ctl ENOENT) and closes it, answer unsent.
     */
    public static void resumeReading(Channel ch) {
        if (ch instanceof DuplexChannel d && d.isInputShutdown()) {
            return;
        }
        ch.config().setAutoRead(true);
    }
}
