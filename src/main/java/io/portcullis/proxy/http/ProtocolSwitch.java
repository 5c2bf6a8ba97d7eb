package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.Relay;
import io.portcullis.telemetry.ConnectionLog;

/**
 * The {@code 101 Switching Protocols} hand-over (a WebSocket, an {@code Upgrade: h2c}): once the
 * 101 went to the client, both connections carry the new protocol, relayed as bytes. The
 * connection is logged and counted as a 101, and is a tunnel from here: one line when it closes.
 */
final class ProtocolSwitch {
    private ProtocolSwitch() {
    }

    /**
     * Joins the client (whose exchange handler is at {@code exchangeLoop}) and {@code upstream} with a
     * byte relay, then takes the HTTP handlers and codecs out of both pipelines; removing the codecs
     * hands their buffered bytes, already the new protocol's, to the relays.
     */
    static void relay(ChannelHandlerContext exchangeLoop, Channel upstream, ConnectionLog log) {
        Channel client = exchangeLoop.channel();
        log.responded(101);
        exchangeLoop.flush();
        UpstreamExchangeHandler.of(upstream).detach();
        Relay.join(client, upstream, log);
        client.pipeline().remove(exchangeLoop.handler());
        client.pipeline().remove(PipelineNames.HTTP_CODEC);
        upstream.pipeline().remove(UpstreamExchangeHandler.NAME);
        upstream.pipeline().remove(UpstreamExchangeHandler.CODEC);
    }
}
