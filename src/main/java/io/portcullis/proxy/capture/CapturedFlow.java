package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Facts;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;

/**
 * One captured connection decided as a whole once its original destination is known (HTTP ports are
 * served per request instead: {@link io.portcullis.proxy.http.HttpHandlers#sidecarCapture}): its
 * facts (with the SNI when one was read) go to {@link Admission#admit}, and the {@link ForwardExecutor} carries
 * the verdict out: the owed name check (the name an entry matched must resolve to the address the
 * app connected to: the spoofing defence), the connect straight out or to the egress gateway (with
 * mutual TLS when the DestinationRule says so), and the relay. Lives on the connection's event loop.
 */
final class CapturedFlow {
    private final Channel client;
    private final InetSocketAddress original;
    private final EgressPolicy policy;
    private final CaptureContext context;
    private final ConnectionLog log;

    CapturedFlow(Channel client, InetSocketAddress original, EgressPolicy policy, CaptureContext context,
                 ConnectionLog log) {
        this.client = client;
        this.original = original;
        this.policy = policy;
        this.context = context;
        this.log = log;
    }

    /**
     * Decides and connects; the future completes with a ready upstream channel (TLS done), or fails
     * with an {@link io.portcullis.proxy.UpstreamException} that {@link #joinWhenReady} records.
     *
     * @param sni the SNI the app sent ({@code fromTls}); null when it sent none or nothing was read
     */
    Future<Channel> open(String sni, boolean fromTls) {
        Facts.Builder facts = ChannelFacts.of(ListenerKind.SIDECAR_CAPTURE, original.getPort(), client)
                .originalDestination(original);
        if (sni != null && fromTls) {
            facts.sni(sni);
        }
        Verdict verdict = Admission.admit(policy, facts.build());
        log.decided(verdict);
        if (!(verdict instanceof Verdict.Forward forward)) {
            return client.eventLoop().newFailedFuture(ForwardExecutor.failure(verdict));
        }
        return context.executor().open(client.eventLoop(), forward, log);
    }

    /**
     * Joins the relay once {@code future} has the upstream, then the inspecting handler at
     * {@code ctx} leaves (its buffered bytes then flow into the relay); closes the client on
     * failure, after a fatal TLS alert when {@code alert} (a ClientHello was peeked).
     */
    void joinWhenReady(ChannelHandlerContext ctx, Future<Channel> future, boolean alert) {
        context.executor().relay(ctx, future, log, alert);
    }

    /** Everything a captured connection needs from the server, fixed at start. */
    record CaptureContext(ProxySettings settings, ForwardExecutor executor, OwnConnections ownConnections) {
    }
}
