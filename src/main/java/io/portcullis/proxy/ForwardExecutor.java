package io.portcullis.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.MeshOptions.OnMismatch;
import io.portcullis.model.AddressText;
import io.portcullis.policy.OwedCheck;
import io.portcullis.policy.Reason;
import io.portcullis.policy.UpstreamTarget;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.proxy.mtls.TlsContexts;
import io.portcullis.proxy.mtls.UpstreamTls;
import io.portcullis.proxy.tls.TlsAlerts;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a {@link Verdict.Forward} out, on the client's event loop, in one order for every
 * listener: the owed name check (resolve the name the client sent, compare with where it
 * connected), connect through the {@link UpstreamConnector} (resolution, SSRF guard,
 * self-connection guard), client TLS towards the upstream when the verdict asks for it (the
 * sidecar's mutual-TLS hop), then the relay with the protocol's sniffers. Owed checks on the
 * client's bytes (the inner SNI, the tunnel's Host/SNI) are pipeline steps installed before
 * {@link #open}. Failures complete the future with an {@link UpstreamException}; {@link #relay}
 * records them.
 */
public final class ForwardExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardExecutor.class);

    private final UpstreamConnector connector;
    private final UpstreamResolver resolver;
    private final Optional<TlsContexts> upstreamTls;
    private final OnMismatch onMismatch;
    private final Duration handshakeTimeout;
    private final Consumer<Channel> opened;

    /**
     * @param upstreamTls the mesh TLS contexts for verdicts that ask for client TLS (sidecar role); empty elsewhere
     * @param onMismatch  what a failed name check does: refuse, or reroute to where the name resolves
     * @param opened      told of every upstream channel once connected (the sidecar's own-connection registry)
     */
    public ForwardExecutor(UpstreamConnector connector, UpstreamResolver resolver, Optional<TlsContexts> upstreamTls,
                           OnMismatch onMismatch, Duration handshakeTimeout, Consumer<Channel> opened) {
        this.connector = connector;
        this.resolver = resolver;
        this.upstreamTls = upstreamTls;
        this.onMismatch = onMismatch;
        this.handshakeTimeout = handshakeTimeout;
        this.opened = opened;
    }

    /** For a gateway listener: no client TLS of its own, no name checks to reroute. */
    public static ForwardExecutor gateway(UpstreamConnector connector, UpstreamResolver resolver, Duration timeout) {
        return new ForwardExecutor(connector, resolver, Optional.empty(), OnMismatch.REFUSE, timeout, ch -> { });
    }

    /**
     * A ready upstream channel for {@code verdict} (auto-read off, TLS done when asked for), or an
     * {@link UpstreamException} with the reason. Call on {@code loop}.
     */
    public Future<Channel> open(EventLoop loop, Verdict.Forward verdict, ConnectionLog log) {
        Promise<Channel> promise = loop.newPromise();
        Optional<OwedCheck.NameResolvesTo> check = verdict.owed(OwedCheck.NameResolvesTo.class);
        if (check.isEmpty()) {
            connect(loop, verdict, promise);
        } else if (check.get().known().isPresent()) {
            compare(loop, verdict, check.get(), check.get().known().get(), promise, log);
        } else {
            OwedCheck.NameResolvesTo c = check.get();
            resolver.resolveAll(loop, c.name()).addListener((Future<List<InetAddress>> f) -> {
                if (f.isSuccess() && !f.getNow().isEmpty()) {
                    compare(loop, verdict, c, f.getNow(), promise, log);
                } else {
                    promise.tryFailure(new UpstreamException(Reason.DNS_FAILURE, "cannot resolve " + c.name()
                            + " to check it against " + AddressText.address(c.original())
                            + ", the address the app connected to"));
                }
            });
        }
        return promise;
    }

    /** The spoofing defence: the name the client sent must stand for the address it connected to. */
    private void compare(EventLoop loop, Verdict.Forward verdict, OwedCheck.NameResolvesTo c, List<InetAddress> addresses,
                         Promise<Channel> promise, ConnectionLog log) {
        if (addresses.contains(c.original())) {
            connect(loop, verdict, promise);
            return;
        }
        String what = (c.mismatch() == Reason.SNI_MISMATCH ? "SNI " : "Host ") + c.name() + " resolves to "
                + addresses.stream().map(AddressText::address).collect(Collectors.joining(", "))
                + ", not to " + AddressText.address(c.original()) + " where the app connected";
        if (onMismatch == OnMismatch.REROUTE) {
            // Through the gateway the name routes anyway; straight out it goes where the name resolves.
            int port = verdict.target().candidates().get(0).port();
            UpstreamTarget target = verdict.viaGateway() ? verdict.target() : UpstreamTarget.ofAddress(addresses.get(0), port);
            LOG.warn("{} {}: rerouted to {} (--on-mismatch reroute)", log.client(), what, target);
            connect(loop, verdict.withTarget(target), promise);
            return;
        }
        promise.tryFailure(new UpstreamException(c.mismatch(), what));
    }

    private void connect(EventLoop loop, Verdict.Forward verdict, Promise<Channel> promise) {
        Optional<Verdict.UpstreamTls> tls = verdict.upstreamTls();
        TlsContexts.Lookup context = null;
        if (tls.isPresent()) {
            context = upstreamTls.map(t -> t.client(tls.get().tls())).orElse(
                    new TlsContexts.Lookup(null, "this listener has no mesh identity for client TLS to its upstream"));
            if (context.context() == null) {
                promise.tryFailure(new UpstreamException(Reason.TLS_UNAVAILABLE, context.problem()));
                return;
            }
        }
        TlsContexts.Lookup ready = context;
        connector.connect(loop, verdict).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause() instanceof UpstreamException e ? e
                        : new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(f.cause())));
                return;
            }
            Channel upstream = f.getNow();
            opened.accept(upstream);
            if (ready == null) {
                promise.trySuccess(upstream);
                return;
            }
            int port = ((InetSocketAddress) upstream.remoteAddress()).getPort();
            UpstreamTls.start(upstream, ready.context(), tls.get().sni().orElse(null), port,
                    tls.get().tls().subjectAltNames(), handshakeTimeout).addListener((Future<Channel> t) -> {
                        if (t.isSuccess()) {
                            promise.trySuccess(upstream);
                        } else {
                            promise.tryFailure(t.cause());
                        }
                    });
        });
    }

    /**
     * Ends the inspection at {@code ctx} once {@code upstream} completes: on success the relay and
     * sniffers take over and the inspecting handler leaves the pipeline, replaying what it buffered
     * into the relay; on failure the reason is recorded and the client closed, after a fatal TLS
     * alert that names the refusal when {@code alert} (a ClientHello was peeked, never answered).
     */
    public void relay(ChannelHandlerContext ctx, Future<Channel> upstream, ConnectionLog log, boolean alert) {
        if (!upstream.isSuccess()) {
            refuse(ctx, upstream.cause(), log, alert);
            return;
        }
        if (relay(ctx.channel(), upstream, log)) {
            ctx.pipeline().remove(ctx.handler());
        }
    }

    /**
     * Joins {@code client} to its upstream and releases the held reads, for a client whose
     * inspecting handler has left the pipeline already. True when the relay is in place.
     */
    public boolean relay(Channel client, Future<Channel> connected, ConnectionLog log) {
        if (!connected.isSuccess()) {
            record(connected.cause(), log);
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = client.close();
            return false;
        }
        Channel upstream = connected.getNow();
        if (!client.isActive()) {
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = upstream.close();
            return false;
        }
        log.upstream(upstream.remoteAddress());
        Relay.join(client, upstream, log);
        Relay.release(upstream);
        Relay.release(client);
        return true;
    }

    /** Records why and closes; with a fatal TLS alert first when {@code alert} and the reason has one. */
    public static void refuse(ChannelHandlerContext ctx, Throwable cause, ConnectionLog log, boolean alert) {
        record(cause, log);
        Optional<ByteBuf> tlsAlert = alert && cause instanceof UpstreamException e ? TlsAlerts.forRefusal(e.reason())
                : Optional.empty();
        if (tlsAlert.isPresent()) {
            // The client is told, in TLS, why: unrecognized_name or access_denied, then the close.
            ctx.writeAndFlush(tlsAlert.get()).addListener(ChannelFutureListener.CLOSE);
        } else {
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
        }
    }

    private static void record(Throwable cause, ConnectionLog log) {
        if (cause instanceof UpstreamException e) {
            log.refused(e.reason(), e.getMessage());
        } else if (cause != null) {
            log.refused(Reason.UPSTREAM_CONNECT_FAILURE, String.valueOf(cause));
        }
    }

    /** A refusal verdict as the failure the inspecting handlers complete their lookup with. */
    public static UpstreamException failure(Verdict verdict) {
        return new UpstreamException(verdict.reason(), verdict.message());
    }
}
