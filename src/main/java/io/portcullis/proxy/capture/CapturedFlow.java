package io.portcullis.proxy.capture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.MeshOptions.OnMismatch;
import io.portcullis.model.AddressText;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.SidecarDecision;
import io.portcullis.policy.UpstreamTarget;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Relay;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.proxy.mtls.TlsContexts;
import io.portcullis.proxy.mtls.UpstreamTls;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One captured connection once its original destination is known: decides (with the SNI or Host
 * when one was read), checks that a name matched by a ServiceEntry resolves to the address the app
 * connected to (the spoofing defence), connects straight out or to the egress gateway (with mutual
 * TLS when the DestinationRule says so), and joins the relay. Lives on the connection's event loop.
 */
final class CapturedFlow {
    private static final Logger LOG = LoggerFactory.getLogger(CapturedFlow.class);

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
     * with an {@link UpstreamException} whose reason is already in the log.
     *
     * @param name the SNI ({@code fromTls}) or Host the app sent; null when it sent none or nothing was read
     */
    Future<Channel> open(String name, boolean fromTls) {
        EventLoop loop = client.eventLoop();
        Promise<Channel> promise = loop.newPromise();
        log.requested(name != null ? name : AddressText.address(original.getAddress()), original.getPort());
        SidecarDecision d = policy.sidecar().decide(original.getAddress(), original.getPort(), name, fromTls);
        log.decided(d.asDecision());
        if (!d.allowed()) {
            return refuse(promise, d.reason(), d.message());
        }
        if (d.checkName() == null) {
            connect(d, d.upstream(), promise);
        } else if (d.checkAddresses() != null) {
            check(d, d.checkAddresses(), promise);
        } else {
            context.resolver().resolveAll(loop, d.checkName()).addListener((Future<List<InetAddress>> f) -> {
                if (f.isSuccess() && !f.getNow().isEmpty()) {
                    check(d, f.getNow(), promise);
                } else {
                    refuse(promise, Reason.DNS_FAILURE, "cannot resolve " + d.checkName() + " to check it against "
                            + AddressText.address(original.getAddress()) + ", the address the app connected to");
                }
            });
        }
        return promise;
    }

    /** The spoofing defence: the name the app sent must stand for the address it connected to. */
    private void check(SidecarDecision d, List<InetAddress> addresses, Promise<Channel> promise) {
        if (addresses.contains(original.getAddress())) {
            connect(d, d.upstream(), promise);
            return;
        }
        String what = (d.mismatch() == Reason.SNI_MISMATCH ? "SNI " : "Host ") + d.checkName() + " resolves to "
                + addresses.stream().map(AddressText::address).collect(Collectors.joining(", "))
                + ", not to " + AddressText.address(original.getAddress()) + " where the app connected";
        if (context.onMismatch() == OnMismatch.REROUTE) {
            // Through the gateway the name routes anyway; straight out it goes where the name resolves.
            UpstreamTarget target = d.viaGateway() ? d.upstream() : UpstreamTarget.ofAddress(addresses.get(0),
                    original.getPort());
            LOG.warn("{} {}: rerouted to {} (--on-mismatch reroute)", log.client(), what, target);
            connect(d, target, promise);
            return;
        }
        refuse(promise, d.mismatch(), what);
    }

    private void connect(SidecarDecision d, UpstreamTarget target, Promise<Channel> promise) {
        TlsContexts.Lookup tls = d.tls() == null ? null : context.tlsContexts().client(d.tls());
        if (tls != null && tls.context() == null) {
            refuse(promise, Reason.TLS_UNAVAILABLE, tls.problem());
            return;
        }
        context.connector().connect(client.eventLoop(), target).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                fail(promise, f.cause());
                return;
            }
            Channel upstream = f.getNow();
            context.ownConnections().register(upstream);
            if (tls == null) {
                promise.trySuccess(upstream);
                return;
            }
            int port = ((InetSocketAddress) upstream.remoteAddress()).getPort();
            UpstreamTls.start(upstream, tls.context(), d.tlsSni(), port, d.tls().subjectAltNames(),
                    context.settings().connectTimeout()).addListener((Future<Channel> t) -> {
                        if (t.isSuccess()) {
                            promise.trySuccess(upstream);
                        } else {
                            fail(promise, t.cause());
                        }
                    });
        });
    }

    /**
     * Joins the relay once {@code future} has the upstream, then leaves {@code self} (an inspection
     * handler whose buffered bytes then flow into the relay); closes the client on failure.
     */
    void joinWhenReady(ChannelHandlerContext ctx, ChannelHandler self, Future<Channel> future) {
        if (!future.isSuccess()) {
            ctx.close();
            return;
        }
        Channel upstream = future.getNow();
        if (!ctx.channel().isActive()) {
            upstream.close();
            return;
        }
        log.upstream(upstream.remoteAddress());
        Relay.join(ctx.channel(), upstream, log);
        Relay.release(upstream);
        Relay.release(ctx.channel());
        ctx.pipeline().remove(self);
    }

    private void fail(Promise<Channel> promise, Throwable cause) {
        if (cause instanceof UpstreamException e) {
            refuse(promise, e.reason(), e.getMessage());
        } else {
            refuse(promise, Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(cause));
        }
    }

    private Future<Channel> refuse(Promise<Channel> promise, Reason reason, String message) {
        log.refused(reason, message);
        promise.tryFailure(new UpstreamException(reason, message));
        return promise;
    }

    /** Everything a captured connection needs from the server, fixed at start. */
    record CaptureContext(ProxySettings settings, UpstreamConnector connector, UpstreamResolver resolver,
                          TlsContexts tlsContexts, OnMismatch onMismatch, OwnConnections ownConnections) {
    }
}
