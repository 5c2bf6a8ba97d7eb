package io.portcullis.proxy.mtls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.HostNames;
import io.portcullis.policy.OwedCheck;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.tls.ClientHelloPeek;
import io.portcullis.telemetry.ConnectionLog;

/**
 * The article's {@code sni_verifier}, built in: inside a mutual-TLS connection whose destination
 * speaks TLS, peeks the app's own ClientHello (bounded like every peek) and refuses the connection
 * with {@code sni_mismatch} (and a fatal {@code unrecognized_name} alert to the app) unless its SNI
 * is the one the sidecar announced, which is what the gateway routed and authorized by: the
 * verdict's {@link OwedCheck.InnerSniEquals}. Then the executor connects and the ClientHello is
 * replayed byte for byte.
 */
final class InnerSniVerifier extends ClientHelloPeek<Channel> {
    private final String announced;
    private final Verdict.Forward verdict;
    private final ForwardExecutor executor;

    InnerSniVerifier(int maxClientHello, long timeoutMillis, OwedCheck.InnerSniEquals check, Verdict.Forward verdict,
                     ForwardExecutor executor, ConnectionLog log) {
        super(maxClientHello, timeoutMillis, "inner ClientHello", log, true);
        this.announced = HostNames.normalize(check.announced());
        this.verdict = verdict;
        this.executor = executor;
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
        return executor.open(ctx.channel().eventLoop(), verdict, log);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Channel> future) {
        // Inside the mutual-TLS stream, the alert reaches the app's TLS client through its sidecar.
        executor.relay(ctx, future, log, true);
    }

    @Override
    protected String notTls() {
        return "the app's stream is not TLS, but " + verdict.resource().map(Object::toString).orElse("the ServiceEntry")
                + " declares this port as TLS";
    }
}
