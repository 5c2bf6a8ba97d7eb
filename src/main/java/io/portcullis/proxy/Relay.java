package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.Future;
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
    public static void join(Channel client, Channel upstream, ConnectionLog log) {
        ChannelPipeline cp = client.pipeline();
        cp.addLast(PipelineNames.RELAY, new RelayHandler(upstream, log, true));
        upstream.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(client, log, false));
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
    }

    /**
     * Ends an inspection step whose upstream connect has completed: on success the relay takes
     * over and the inspecting handler ({@code ctx}'s) leaves the pipeline, replaying what it
     * buffered; on failure the reason is recorded and the client closed.
     */
    public static void handOver(ChannelHandlerContext ctx, Future<Channel> connected, ConnectionLog log) {
        if (!connected.isSuccess()) {
            if (connected.cause() instanceof UpstreamException e) {
                log.refused(e.reason(), e.getMessage());
            }
            ctx.close();
            return;
        }
        Channel upstream = connected.getNow();
        if (!ctx.channel().isActive()) {
            upstream.close();
            return;
        }
        log.upstream(upstream.remoteAddress());
        join(ctx.channel(), upstream, log);
        ctx.pipeline().remove(ctx.handler());
    }
}
