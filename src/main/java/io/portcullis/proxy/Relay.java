package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.portcullis.proxy.sniff.ProtocolSniffer;
import io.portcullis.proxy.sniff.SniffHandler;
import io.portcullis.proxy.sniff.Sniffers;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Joins a client channel and a connected upstream channel with a pair of {@link RelayHandler}s,
 * with a protocol sniffer in front of each when the ServiceEntry port that allowed the
 * connection is declared MONGO, MYSQL or REDIS. {@link ForwardExecutor#relay} is the one caller
 * that hands a client over to it.
 */
public final class Relay {
    private Relay() {
    }

    /**
     * Removes the {@link ReadHold} of a joined channel, if it has one: what it held flows into the
     * relay, in order. Call right after {@link #join}.
     */
    public static void release(Channel ch) {
        if (ch.pipeline().get(PipelineNames.READ_HOLD) != null) {
            ch.pipeline().remove(PipelineNames.READ_HOLD);
        }
    }

    /**
     * Installs the relay at the end of both pipelines and starts reading. Call on the event loop;
     * inspection handlers still in the client pipeline may be removed afterwards, and whatever
     * they buffered then flows into the relay (through the sniffer).
     */
    public static void join(Channel client, Channel upstream, ConnectionLog log) {
        log.upstreamLocal(upstream.localAddress());
        ChannelPipeline cp = client.pipeline();
        ProtocolSniffer sniffer = Sniffers.forProtocol(log.protocol(), log.protocolMetrics());
        if (sniffer != null) {
            cp.addLast(PipelineNames.SNIFF, new SniffHandler(sniffer, true));
            upstream.pipeline().addLast(PipelineNames.SNIFF, new SniffHandler(sniffer, false));
        }
        cp.addLast(PipelineNames.RELAY, new RelayHandler(upstream, log, true));
        upstream.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(client, log, false));
        log.relayed();
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
