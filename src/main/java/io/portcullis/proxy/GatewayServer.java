package io.portcullis.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.portcullis.model.AddressText;
import io.portcullis.policy.CurrentPolicy;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.model.Cidr;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.proxy.http.HttpHandlers;
import io.portcullis.proxy.http.HttpsGatewayListener;
import io.portcullis.proxy.http.UpstreamPool;
import io.portcullis.proxy.tls.OriginationContexts;
import io.portcullis.proxy.tls.TlsOriginator;
import io.portcullis.proxy.mtls.MutualTlsListener;
import io.portcullis.proxy.mtls.TlsContexts;
import io.portcullis.proxy.tcp.TcpRouteHandler;
import io.portcullis.proxy.tls.SniInspector;
import io.portcullis.telemetry.ConnectionLog;
import io.portcullis.telemetry.Telemetry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: the explicit proxy listener and one listener per Gateway server port, all on
 * one set of event loops sized to the cores, which also accept. Each accepted connection reads
 * the current policy snapshot once and keeps it; {@link #reconcile} opens and closes Gateway listeners as the
 * configuration changes, leaving open connections alone, and keeps trying a port it could not
 * bind (another process holds it) until it can or the configuration stops wanting it.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final int MAX_INITIAL_LINE = 8 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;
    /** How often a Gateway port that could not be bound is tried again. */
    static final Duration BIND_RETRY = Duration.ofSeconds(2);

    private final Transport transport;
    private final ProxySettings settings;
    private final CurrentPolicy policy;
    private final Telemetry telemetry;
    private final EventLoopGroup workerGroup;
    private final UpstreamResolver resolver;
    private final UpstreamConnector connector;
    private final ForwardExecutor executor;
    private final OriginationContexts origination = new OriginationContexts();
    private final UpstreamPool upstreamPool;
    private final TlsContexts tlsContexts;
    private final OwnListeners own;
    private final Map<Integer, Channel> gatewayListeners = new TreeMap<>();
    /** Ports the current configuration wants but could not bind, with how many attempts failed. */
    private final Map<Integer, Integer> unbound = new TreeMap<>();
    private final ScheduledExecutorService bindRetry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "listener-retry");
        t.setDaemon(true);
        return t;
    });
    private EgressPolicy wanted;
    private ScheduledFuture<?> pendingRetry;
    private boolean closed;
    private Channel proxyListener;

    /**
     * @param allowPrivate {@code --allow-private}: special-purpose ranges the SSRF guard lets through
     * @param tlsContexts  the certificates of listeners that terminate mutual TLS; null refuses those connections
     * @param own          the process's listening sockets: this server adds its own, and never connects to any
     */
    public GatewayServer(Transport transport, ProxySettings settings, CurrentPolicy policy, UpstreamResolver resolver,
                         Telemetry telemetry, int workerThreads, List<Cidr> allowPrivate, TlsContexts tlsContexts,
                         OwnListeners own) {
        this.own = own;
        this.tlsContexts = tlsContexts;
        this.transport = transport;
        this.settings = settings;
        this.policy = policy;
        this.telemetry = telemetry;
        this.resolver = resolver;
        this.workerGroup = transport.newGroup(workerThreads);
        // The DestinationRule tunnel and connection pool of each destination (issue 14) come with each verdict.
        this.connector = new UpstreamConnector(transport, resolver, settings, new PrivateAddressGuard(allowPrivate),
                own, telemetry.metrics());
        this.executor = ForwardExecutor.gateway(connector, resolver, settings.connectTimeout());
        this.upstreamPool = new UpstreamPool(connector, new TlsOriginator(origination, settings.connectTimeout()));
    }

    /** Binds the explicit proxy (HTTP forward + CONNECT); returns the bound address (port 0 picks one). */
    public InetSocketAddress startProxy(InetSocketAddress bind) throws InterruptedException {
        proxyListener = serverBootstrap(true, "explicit proxy").childHandler(new ChannelInitializer<Channel>() {
            /** {@code @Sharable}, one for every connection: answered here, not by Netty's per-class lookup on each add. */
            @Override
            public boolean isSharable() {
                return true;
            }

            @Override
            protected void initChannel(Channel ch) {
                int port = ((InetSocketAddress) ch.localAddress()).getPort();
                ConnectionLog log = telemetry.open("proxy_" + port, ch.remoteAddress(), ch.localAddress());
                ChannelPipeline p = common(ch, log);
                p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE, settings.maxHeaderBytes(), MAX_CHUNK));
                p.addLast(PipelineNames.HTTP_PROXY, HttpHandlers.explicitProxy(ch, policy.get(), executor, upstreamPool,
                        settings, log));
            }
        }).bind(bind).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) proxyListener.localAddress();
        own.add(bound, "explicit proxy");
        return ListenAddress.requestedWithPort(bind, bound);
    }

    /**
     * Builds what the data plane needs before {@code next} goes live (the TLS origination contexts:
     * files are read here, never on an event loop). Call from the configuration source's thread,
     * before making {@code next} current.
     */
    public void prepare(EgressPolicy next) {
        origination.prepare(next);
    }

    /**
     * Opens listeners for ports the policy has and closes those it no longer has; a port that
     * cannot be bound is tried again every {@link #BIND_RETRY}. Never call from an event loop: it
     * waits for binds.
     */
    public synchronized void reconcile(EgressPolicy next) {
        if (closed) {
            return;
        }
        this.wanted = next;
        Set<Integer> ports = new TreeSet<>();
        next.listeners().forEach(l -> ports.add(l.port()));
        unbound.keySet().retainAll(ports);
        gatewayListeners.entrySet().removeIf(e -> {
            if (!ports.contains(e.getKey())) {
                LOG.info("closing gateway listener on port {} (no Gateway server uses it any more)", e.getKey());
                own.remove((InetSocketAddress) e.getValue().localAddress());
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = e.getValue().close();
                return true;
            }
            return false;
        });
        for (int port : ports) {
            if (gatewayListeners.containsKey(port)) {
                continue;
            }
            InetSocketAddress address = new InetSocketAddress(settings.gatewayAddress(), port);
            try {
                Channel ch = serverBootstrap(false, "listener of Gateway server port " + port).childHandler(gatewayInitializer(port)).bind(address).sync().channel();
                gatewayListeners.put(port, ch);
                own.add((InetSocketAddress) ch.localAddress(), "listener of Gateway server port " + port);
                Integer failures = unbound.remove(port);
                LOG.info("gateway listener on {} ({}){}", format(address), next.listener(port).name(),
                        failures == null ? "" : " after " + failures + " failed attempts");
            } catch (Exception e) {
                int failures = unbound.merge(port, 1, Integer::sum);
                if (failures == 1) {
                    LOG.error("cannot open gateway listener on {}: {}; retrying every {} s", format(address),
                            e.getMessage(), BIND_RETRY.toSeconds());
                }
            }
        }
        if (!unbound.isEmpty() && pendingRetry == null) {
            pendingRetry = bindRetry.schedule(this::retryUnbound, BIND_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A port another process held may have been freed: the listener opens without a configuration change. */
    private synchronized void retryUnbound() {
        pendingRetry = null;
        if (wanted != null && !unbound.isEmpty()) {
            reconcile(wanted);
        }
    }

    private ChannelInitializer<Channel> gatewayInitializer(int port) {
        return new ChannelInitializer<>() {
            /** {@code @Sharable}, one for every connection: answered here, not by Netty's per-class lookup on each add. */
            @Override
            public boolean isSharable() {
                return true;
            }

            /** The last listener's name: built from its protocol and port, the same for every connection of a snapshot. */
            private volatile ListenerName named = new ListenerName(null, "");

            @Override
            // The same spec object is the same snapshot's listener: identity is the cheap, exact test.
            @SuppressWarnings("ReferenceEquality")
            protected void initChannel(Channel ch) {
                EgressPolicy snapshot = policy.get();
                ListenerSpec spec = snapshot.listener(port);
                if (spec == null) {
                    // Fire-and-forget: nothing here acts on how the close ends.
                    ChannelFuture unused = ch.close();
                    return;
                }
                ListenerName name = named;
                if (name.spec() != spec) {
                    name = new ListenerName(spec, spec.name());
                    named = name;
                }
                ConnectionLog log = telemetry.open(name.name(), ch.remoteAddress(), ch.localAddress());
                ChannelPipeline p = common(ch, log);
                if (spec.isMutualTls()) {
                    MutualTlsListener.install(ch, snapshot, spec, tlsContexts, settings, executor, upstreamPool, log);
                } else if (spec.isTlsPassthrough()) {
                    ch.config().setAutoRead(true);
                    p.addLast(PipelineNames.SNI, new SniInspector(settings.maxClientHello(),
                            settings.inspectTimeout().toMillis(), snapshot, spec, executor, log));
                } else if (spec.terminatesTls()) {
                    HttpsGatewayListener.install(ch, snapshot, spec, tlsContexts, upstreamPool, settings, log);
                } else if (spec.isHttp()) {
                    ch.config().setAutoRead(true);
                    p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE, settings.maxHeaderBytes(), MAX_CHUNK));
                    p.addLast(PipelineNames.HTTP_PROXY, HttpHandlers.gatewayServer(ch, snapshot, spec, upstreamPool, settings, log));
                } else {
                    p.addLast(PipelineNames.TCP_ROUTE, new TcpRouteHandler(snapshot, spec, executor, log));
                }
            }
        };
    }

    /** A listener and its name, swapped whole (event loops share the initializer). */
    private record ListenerName(@Nullable ListenerSpec spec, String name) {
    }

    private ChannelPipeline common(Channel ch, ConnectionLog log) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.IDLE, new IdleTimeout(settings.idleTimeout().toMillis()));
        p.addLast(PipelineNames.ACCESS_LOG, new AccessLogHandler(telemetry.accessLog(), log));
        return p;
    }

    /** @param name names the listener in the log line of {@link AcceptBackoff} */
    private ServerBootstrap serverBootstrap(boolean autoRead, String name) {
        // Listeners accept on the worker loops themselves: a separate acceptor thread would cost a
        // cross-thread hand-off (an eventfd wake-up) per connection. TCP_NODELAY is Netty's default
        // for accepted and connected sockets (TransportTest pins it down), so it is not set twice.
        return new ServerBootstrap()
                .group(workerGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptBackoff(telemetry.metrics(), name))
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.AUTO_READ, autoRead);
    }

    /** The bound Gateway listeners by port. */
    public synchronized Map<Integer, InetSocketAddress> gatewayListeners() {
        Map<Integer, InetSocketAddress> out = new TreeMap<>();
        gatewayListeners.forEach((port, ch) -> out.put(port, (InetSocketAddress) ch.localAddress()));
        return out;
    }

    public String transportName() {
        return transport.name();
    }

    @Override
    public synchronized void close() {
        closed = true;
        bindRetry.shutdownNow();
        if (proxyListener != null) {
            proxyListener.close().syncUninterruptibly();
        }
        gatewayListeners.values().forEach(ch -> ch.close().syncUninterruptibly());
        gatewayListeners.clear();
        resolver.close();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    static String format(InetSocketAddress a) {
        return ListenAddress.of(a);
    }
}
