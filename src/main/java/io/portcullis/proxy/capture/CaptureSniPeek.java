package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.proxy.tls.ClientHelloPeek;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Reads the SNI of a captured connection's ClientHello (bounded by Netty's
 * {@link ClientHelloPeek}), decides with it, and replays the ClientHello byte for
 * byte into the relay. A connection that names no host is decided without a name (an address-less
 * TCP entry may still take it). A refusal is answered with a fatal TLS alert before the close.
 */
final class CaptureSniPeek extends ClientHelloPeek<Channel> {
    private final CapturedFlow flow;

    CaptureSniPeek(int maxClientHello, long timeoutMillis, CapturedFlow flow, ConnectionLog log) {
        super(maxClientHello, timeoutMillis, "ClientHello", log, true);
        this.flow = flow;
    }

    @Override
    protected Future<Channel> decide(ChannelHandlerContext ctx, String sni) {
        return flow.open(sni, true);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<Channel> future) {
        // A refusal known from the ClientHello is told to the app's TLS client as a fatal alert.
        flow.joinWhenReady(ctx, future, true);
    }

    @Override
    protected String notTls() {
        return "not a TLS record on a port declared for TLS";
    }
}
