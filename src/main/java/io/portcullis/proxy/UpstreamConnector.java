package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.model.AddressText;
import io.portcullis.model.ServiceEntry;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.policy.Reason;
import io.portcullis.policy.UpstreamTarget;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.policy.UpstreamTarget.Candidate;
import io.portcullis.model.DestinationRule.Tunnel;
import io.portcullis.proxy.tunnel.ProxyTunnelConnector;
import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.proxy.pool.ConnectionPoolLimits;
import io.portcullis.proxy.pool.EndpointBalancer;
import io.portcullis.proxy.pool.EndpointHealth;
import io.portcullis.proxy.pool.PoolOverflow;
import io.portcullis.proxy.pool.TcpKeepaliveOptions;
import java.time.Duration;
import java.util.OptionalInt;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the upstream connection for an allowed client connection, on the client's own event
 * loop (so the relay never crosses threads): resolves names asynchronously, then tries the
 * candidates' addresses in order until one connects. The upstream channel comes back with
 * auto-read off and an empty pipeline, for the caller to fill.
 *
 * <p>Spoofing and SSRF defences live here, where the address is chosen: a name is resolved once
 * per connection and the connection goes to exactly an address of that answer (never to one the
 * client supplied for a name), and every address passes the {@link PrivateAddressGuard} first;
 * none is ever one of the gateway's {@link OwnListeners} ({@code self_connection}).
 */
public final class UpstreamConnector {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);
    private final UpstreamResolver resolver;
    private final ProxySettings settings;
    private final PrivateAddressGuard guard;
    private final OwnListeners own;
    private final GatewayMetrics metrics;
    private final Consumer<Channel> connecting;
    private final ConnectionPoolLimits limits = new ConnectionPoolLimits();
    private final EndpointBalancer balancer;
    private final UpstreamChannels channels;

    /**
     * @param metrics where lookups and connect times are counted
     * @param own     the gateway's listening sockets, never connected to
     */
    public UpstreamConnector(Transport transport, UpstreamResolver resolver, ProxySettings settings,
                             PrivateAddressGuard guard, OwnListeners own, GatewayMetrics metrics) {
        this(transport, resolver, settings, guard, own, metrics, ch -> { });
    }

    /**
     * @param connecting told of each upstream channel as its connect is set under way, on the event loop
     */
    public UpstreamConnector(Transport transport, UpstreamResolver resolver, ProxySettings settings,
                             PrivateAddressGuard guard, OwnListeners own, GatewayMetrics metrics,
                             Consumer<Channel> connecting) {
        this.balancer = new EndpointBalancer(ejection -> ejected(metrics, ejection));
        this.own = own;
        this.connecting = connecting;
        this.channels = new UpstreamChannels(transport);
        this.resolver = resolver;
        this.settings = settings;
        this.guard = guard;
        this.metrics = metrics;
    }

    public PrivateAddressGuard guard() {
        return guard;
    }

    /**
     * Connects to the first reachable address of a forward verdict's target; the entry that
     * allowed it may open private addresses it lists. Fails with an {@link UpstreamException}.
     */
    public Future<Channel> connect(EventLoop loop, Verdict.Forward verdict) {
        return connect(loop, verdict, false);
    }

    /**
     * As {@link #connect(EventLoop, Verdict.Forward)}; with {@code exchanges}, the connection carries
     * HTTP exchanges whose answers tell the destination's outlier detection how its endpoint does
     * (see {@link EndpointHealth}), so a connect alone does not count as a success.
     */
    public Future<Channel> connect(EventLoop loop, Verdict.Forward verdict, boolean exchanges) {
        // Hook (issue 14, DestinationRule traffic policy): the destination's tunnel and pool settings, from the
        // snapshot that admitted the connection (both roles).
        return connect(loop, verdict.target(), verdict.matched().map(b -> b.entry()).orElse(null),
                verdict.upstreamSettings(), exchanges);
    }

    private Future<Channel> connect(EventLoop loop, UpstreamTarget target, ServiceEntry entry,
                                    Optional<UpstreamSettings> upstream, boolean exchanges) {
        Optional<ConnectionPool> pool = upstream.flatMap(UpstreamSettings::pool);
        // Hook (issue 14, connectionPool.tcp.maxConnections): one slot per connection to the destination, or overflow.
        OptionalInt max = pool.map(ConnectionPool::maxConnections).orElse(OptionalInt.empty());
        Optional<ConnectionPoolLimits.Slot> slot = Optional.empty();
        if (max.isPresent()) {
            slot = limits.tryOpen(upstream.get().destination(), max.getAsInt());
            if (slot.isEmpty()) {
                return loop.newFailedFuture(PoolOverflow.connections(upstream.get(), max.getAsInt()));
            }
        }
        Duration timeout = pool.flatMap(ConnectionPool::connectTimeout).orElse(settings.connectTimeout());
        Promise<Channel> connected = loop.newPromise();
        // Hook (issue 14, loadBalancer and outlierDetection): the order in which the endpoints are tried.
        Deque<Candidate> candidates = new ArrayDeque<>(upstream.map(s -> balancer.order(target.candidates(), s))
                .orElse(target.candidates()));
        new Attempt(loop, entry, candidates, connected, timeout, upstream, exchanges).next();
        Future<Channel> result = connected;
        Optional<Tunnel> tunnel = upstream.flatMap(UpstreamSettings::tunnel);
        if (tunnel.isPresent()) {
            // Hook (issue 14, DestinationRule tunnel): the address connected to is the proxy's; CONNECT through it.
            Promise<Channel> tunnelled = loop.newPromise();
            connected.addListener((Future<Channel> f) -> {
                if (!f.isSuccess()) {
                    tunnelled.tryFailure(f.cause());
                    return;
                }
                ProxyTunnelConnector.open(f.getNow(), upstream.get(), tunnel.get(), timeout)
                        .addListener((Future<Channel> t) -> {
                            if (t.isSuccess()) {
                                tunnelled.trySuccess(t.getNow());
                            } else {
                                tunnelled.tryFailure(t.cause());
                            }
                        });
            });
            result = tunnelled;
        }
        if (slot.isPresent() || pool.flatMap(ConnectionPool::tcpKeepalive).isPresent()) {
            Optional<ConnectionPoolLimits.Slot> held = slot;
            result.addListener((Future<Channel> f) -> {
                if (!f.isSuccess()) {
                    held.ifPresent(ConnectionPoolLimits.Slot::release);
                    return;
                }
                held.ifPresent(s -> f.getNow().closeFuture().addListener(c -> s.release()));
                pool.flatMap(ConnectionPool::tcpKeepalive).ifPresent(k -> TcpKeepaliveOptions.apply(f.getNow(), k));
            });
        }
        return result;
    }

    /** Told of each outlier ejection: counted, and said once in the operational log. */
    private static void ejected(GatewayMetrics metrics, EndpointBalancer.Ejection e) {
        metrics.outlierEjection(e.destination(), e.endpoint().toString(), e.detector());
        LOG.info("outlier detection: endpoint {} of {} ejected for {} s after {} {} in a row", e.endpoint(),
                e.destination(), e.time().toSeconds(), e.streak(),
                e.detector().equals("consecutive_5xx") ? "5xx errors" : "gateway errors (502, 503, 504)");
    }

    /** The DestinationRule settings (tunnel, connection pool) {@link #connect(EventLoop, Verdict.Forward)} applies to {@code verdict}. */
    public Optional<UpstreamSettings> upstreamSettings(Verdict.Forward verdict) {
        return verdict.upstreamSettings();
    }

    /** The connection-pool counts of every destination, shared with the HTTP pool that waits on them. */
    public ConnectionPoolLimits limits() {
        return limits;
    }

    /** One connection attempt over the candidates, on {@code loop}. */
    private final class Attempt {
        private final EventLoop loop;
        private final ServiceEntry entry;
        private final Deque<Candidate> candidates;
        private final Deque<InetSocketAddress> addresses = new ArrayDeque<>();
        private final Promise<Channel> promise;
        private final Duration timeout;
        private final Optional<UpstreamSettings> upstream;
        private final int endpoints;
        private final boolean exchanges;
        private Candidate current;
        private UpstreamException last;
        private UpstreamException refused;

        Attempt(EventLoop loop, ServiceEntry entry, Deque<Candidate> candidates, Promise<Channel> promise,
                Duration timeout, Optional<UpstreamSettings> upstream, boolean exchanges) {
            this.exchanges = exchanges;
            this.timeout = timeout;
            this.upstream = upstream;
            this.endpoints = candidates.size();
            this.loop = loop;
            this.entry = entry;
            this.candidates = candidates;
            this.promise = promise;
        }

        /** A TCP connection's connect ends its endpoint's use; an HTTP connection's answers are yet to tell. */
        private void connected(UpstreamSettings s, Candidate endpoint, Channel ch) {
            if (exchanges) {
                balancer.opened(s, endpoint, ch);
                EndpointHealth.track(ch, balancer, s, endpoint, endpoints);
            } else {
                balancer.connected(s, endpoint, ch);
            }
        }

        void next() {
            InetSocketAddress address = addresses.poll();
            if (address != null) {
                Optional<String> refusal = guard.refusal(address.getAddress(), entry);
                if (refusal.isPresent()) {
                    // Another address of the same answer may be public; a refusal wins over other failures.
                    if (refused == null) {
                        refused = new UpstreamException(Reason.PRIVATE_ADDRESS, refusal.get());
                    }
                    next();
                    return;
                }
                Optional<String> self = own.describe(address);
                if (self.isPresent()) {
                    // Whatever range the guard lets through, the gateway never connects to itself.
                    if (refused == null) {
                        refused = new UpstreamException(Reason.SELF_CONNECTION, format(address)
                                + " is this gateway's own " + self.get() + ": it would connect to itself");
                    }
                    next();
                    return;
                }
                long started = System.nanoTime();
                // The timeout is connectionPool.tcp.connectTimeout for this destination, else --connect-timeout.
                ChannelFuture connect = channels.connect(loop, address, (int) timeout.toMillis(), connecting);
                connect.addListener((ChannelFuture f) -> {
                    metrics.upstreamConnect(System.nanoTime() - started);
                    if (f.isSuccess()) {
                        if (!promise.trySuccess(f.channel())) {
                            // Fire-and-forget: nothing here acts on how the close ends.
                            ChannelFuture unused = f.channel().close();
                        } else {
                            upstream.ifPresent(s -> connected(s, current, f.channel()));
                        }
                    } else {
                        upstream.ifPresent(s -> balancer.failed(s, current, endpoints));
                        last = f.cause() instanceof ConnectTimeoutException
                                ? new UpstreamException(Reason.UPSTREAM_TIMEOUT, "connect to " + format(address)
                                        + " timed out after " + timeout.toMillis() + " ms")
                                : new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "connect to " + format(address)
                                        + " failed: " + describe(f.cause()));
                        next();
                    }
                });
                return;
            }
            Candidate candidate = candidates.poll();
            current = candidate;
            if (candidate == null) {
                UpstreamException failure = refused != null ? refused : last;
                promise.tryFailure(failure != null ? failure
                        : new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "no upstream address"));
                return;
            }
            if (candidate.address() != null) {
                addresses.add(new InetSocketAddress(candidate.address(), candidate.port()));
                next();
                return;
            }
            long started = System.nanoTime();
            resolver.resolveAll(loop, candidate.name()).addListener((Future<List<InetAddress>> f) -> {
                boolean resolved = f.isSuccess() && !f.getNow().isEmpty();
                metrics.dnsLookup(resolved, System.nanoTime() - started);
                if (resolved) {
                    for (InetAddress a : f.getNow()) {
                        addresses.add(new InetSocketAddress(a, candidate.port()));
                    }
                } else {
                    last = new UpstreamException(Reason.DNS_FAILURE,
                            "cannot resolve " + candidate.name() + ": " + describe(f.cause()));
                }
                next();
            });
        }
    }

    static String format(InetSocketAddress a) {
        return AddressText.hostPort(a);
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "no address";
        }
        String m = t.getMessage();
        // Netty wraps the errno text ("io_uring connect(..) failed with error(-111): ", "finishConnect(..)
        // failed: ") and appends the address in the JDK's long form (": /2001:db8:0:0:0:0:0:1:443"); the
        // caller has already named it, in brackets and RFC 5952 form.
        return m == null ? t.getClass().getSimpleName()
                : m.replaceFirst("^[\\w ]*[cC]onnect\\(\\.\\.\\) failed[^:]*: ", "").replaceFirst(": /[\\[\\]0-9A-Fa-f:.%]+$", "");
    }
}
