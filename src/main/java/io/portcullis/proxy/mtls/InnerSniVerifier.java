package io.portcullis.proxy.mtls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Decision;
import io.portcullis.policy.HostNames;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.tls.ClientHelloPeek;
import io.portcullis.telemetry.ConnectionLog;

/**
 * The article's {@code sni_verifier}, built in: inside a mutual-TLS connection whose destination
 * speaks TLS, peeks the app's own ClientHello (bounded like every peek) and refuses the connection
 * with {@code sni_mismatch} unless its SNI is the one the sidecar announced, which is what the
 * gateway routed and authorized by. Then connects and replays the ClientHello byte for byte.
 */
final class InnerSniVerifier extends ClientHelloPeek<Channel> {
    private final String announced;
    private final Decision decision;
    private final UpstreamConnector connector;

    InnerSniVerifier(int maxClientHello, long timeoutMillis, String announced, Decision decision,
                     UpstreamConnector connector, ConnectionLog log) {
        super(maxClientHello, timeoutMillis, "inner ClientHello", log, true);
        this.announced = HostNames.normalize(announced);
        this.decision = decision;
        this.connector = connector;
    }

    @Override
    protected Future<Channel> decide(ChannelHandlerContext ctx, String innerSni) {
        if (innerSni == null) {
            boolean tls = bufferedLooksLikeTls();
            return refuse(ctx, tls ? Reason.SNI_MISMATCH : Reason.NOT_TLS, tls
                    ? "the app's ClientHello has no SNI; the sidecar announced " + announced
                    : notTls());
        }
        String inner = HostNames.normalize(innerSni);
        if (!inner.equals(announced)) {
            return refuse(ctx, Reason.SNI_MISMATCH, "the app's ClientHello names " + inner + " but the sidecar announced "
                    + announced);
        }
        return connector.connect(ctx.channel().eventLoop(), decision);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Channel> future) {
        Relay.handOver(ctx, future, log);
    }

    @Override
    protected String notTls() {
        return "the app's stream is not TLS, but " + decision.resource() + " declares this port as TLS";
    }
}
