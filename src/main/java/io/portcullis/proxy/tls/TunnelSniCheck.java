package io.portcullis.proxy.tls;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.RequestHeaders;
import io.portcullis.policy.HostCanonicalizer;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Inside a CONNECT tunnel to an allowed name: peeks the ClientHello (bounded in size and time)
 * and refuses the tunnel ({@code sni_mismatch}) when its SNI names another host that is not
 * allowed itself, so {@code CONNECT allowed.example:443} cannot carry a TLS session to
 * {@code other.example} on a shared address (domain fronting at the TLS layer). "Allowed itself"
 * is {@link Admission#admit}'s verdict on a CONNECT to that name: declared, and authorized for
 * this caller. A ClientHello
 * without SNI, or with the CONNECT host's name, passes; the bytes are replayed unchanged to the
 * relay behind. A refusal sends a TLS {@code unrecognized_name} alert and closes both sides.
 */
public final class TunnelSniCheck extends ClientHelloPeek<Boolean> {
    private final EgressPolicy policy;
    private final String authorityHost;
    private final int port;
    private String refusal;

    public TunnelSniCheck(int maxClientHello, long timeoutMillis, EgressPolicy policy, String authorityHost, int port,
                          ConnectionLog log) {
        super(maxClientHello, timeoutMillis, "ClientHello", log, true);
        this.policy = policy;
        this.authorityHost = authorityHost;
        this.port = port;
    }

    /** {@code TunnelInspector} adds this check and fires the held ClientHello bytes into it at once. */
    @Override
    protected boolean fedAtOnce() {
        return true;
    }

    @Override
    protected Future<Boolean> decide(ChannelHandlerContext ctx, String sni) {
        if (sni == null) {
            return ctx.executor().newSucceededFuture(true);
        }
        String name;
        try {
            name = HostCanonicalizer.canonical(sni);
        } catch (IllegalArgumentException e) {
            refusal = "TLS SNI is not a host name: " + e.getMessage();
            return ctx.executor().newSucceededFuture(false);
        }
        if (name.equals(authorityHost)) {
            return ctx.executor().newSucceededFuture(true);
        }
        // Another name must be admitted on its own, as a CONNECT to it would be: declared, and authorized for this
        // caller as an HTTP request with method CONNECT (the tunnel's own request headers are not kept).
        Verdict other = Admission.admit(policy, ChannelFacts.of(ListenerKind.EXPLICIT_CONNECT, ctx.channel())
                .authority(HostPort.ofName(name, port)).http("CONNECT", "", RequestHeaders.NONE).build());
        if (other.allowed()) {
            return ctx.executor().newSucceededFuture(true);
        }
        refusal = "TLS SNI " + name + " differs from the CONNECT authority " + authorityHost
                + " and is not allowed itself (" + other.message() + ")";
        return ctx.executor().newSucceededFuture(false);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<Boolean> future) {
        if (future.isSuccess() && Boolean.TRUE.equals(future.getNow())) {
            ctx.pipeline().remove(this);
            return;
        }
        log.refused(Reason.SNI_MISMATCH, refusal);
        ctx.writeAndFlush(TlsAlerts.fatal(TlsAlerts.UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected String notTls() {
        return "not a TLS record in the tunnel";
    }

    @Override
    protected String malformed(Throwable cause) {
        return "malformed ClientHello in the tunnel: " + cause.getMessage();
    }
}
