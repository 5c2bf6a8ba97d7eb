package io.portcullis.proxy.capture;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.portcullis.MeshOptions.OnMismatch;
import io.portcullis.policy.CurrentPolicy;
import io.portcullis.proxy.AcceptBackoff;
import io.portcullis.proxy.AccessLogHandler;
import io.portcullis.proxy.IdleTimeout;
import io.portcullis.proxy.OwnListeners;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Transport;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.UpstreamConnector;
import io.portcullis.proxy.capture.CapturedFlow.CaptureContext;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.proxy.mtls.TlsContexts;
import io.portcullis.model.AddressText;
import io.portcullis.model.Cidr;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.telemetry.Telemetry;
import io.portcullis.telemetry.ConnectionLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar role's data plane: the capture listener(s) that iptables {@code REDIRECT} delivers a
 * workload's outbound TCP to ({@code portcullis capture}), on their own event loops. Each accepted
 * connection reads the current policy snapshot once and keeps it. Needs native epoll, which is how
 * the original destination is read.
 */
public final class CaptureServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureServer.class);

    private final Transport transport;
    private final CurrentPolicy policy;
    private final Telemetry telemetry;
    private final ProxySettings settings;
    private final UpstreamResolver resolver;
    private final EventLoopGroup workerGroup;
    private final CaptureContext context;
    private final List<Channel> listeners = new ArrayList<>();

    public CaptureServer(Transport transport, ProxySettings settings, CurrentPolicy policy, UpstreamResolver resolver,
                         TlsContexts tlsContexts, OnMismatch onMismatch, Telemetry telemetry, int workerThreads,
                         OwnListeners ownListeners) {
        this.transport = transport;
        this.policy = policy;
        this.telemetry = telemetry;
        this.settings = settings;
        this.resolver = resolver;
        this.workerGroup = transport.newGroup(workerThreads);
        OwnConnections own = new OwnConnections();
        // Own connections are known from the moment they are connecting: the looped connection of a
        // misconfigured capture can be accepted, on the same loop, before the connect completes.
        UpstreamConnector connector = new UpstreamConnector(transport, resolver, settings,
                // The app chose the address and the capture rules sent it here: the sidecar passes it
                // through, as Istio's does; the SSRF guard belongs to the gateway, which resolves names.
                new PrivateAddressGuard(List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"))), ownListeners,
                telemetry.metrics(), own::connecting);
        this.context = new CaptureContext(settings, new ForwardExecutor(connector, resolver, Optional.ofNullable(tlsContexts),
                onMismatch, settings.connectTimeout(), own::register), own);
    }

    /**
     * Binds a capture listener on each address; an address this network namespace lacks (no IPv6
     * loopback) is skipped with a warning, but at least one must bind.
     */
    public List<InetSocketAddress> start(List<InetSocketAddress> binds) throws IOException, InterruptedException {
        if (!transport.name().equals("epoll")) {
            throw new IOException("the sidecar's capture listener needs Linux native epoll (to read SO_ORIGINAL_DST);"
                    + " this JVM has the " + transport.name() + " transport");
        }
        List<InetSocketAddress> bound = new ArrayList<>();
        Exception last = null;
        for (InetSocketAddress bind : binds) {
            try {
                Channel ch = new ServerBootstrap()
                        .group(workerGroup, workerGroup)
                        .channel(transport.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .handler(new AcceptBackoff(telemetry.metrics(), "capture listener"))
                        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childHandler(initializer())
                        .bind(bind).sync().channel();
                listeners.add(ch);
                bound.add((InetSocketAddress) ch.localAddress());
            } catch (Exception e) {
                last = e;
                LOG.warn("no capture listener on {}: {}", AddressText.hostPort(bind), e.getMessage());
            }
        }
        if (bound.isEmpty()) {
            throw new IOException("no capture listener could bind " + binds + ": "
                    + (last == null ? "no address given" : last.getMessage()), last);
        }
        return bound;
    }

    private ChannelInitializer<Channel> initializer() {
        return new ChannelInitializer<>() {
            /** {@code @Sharable}, one for every connection: answered here, not by Netty's per-class lookup on each add. */
            @Override
            public boolean isSharable() {
                return true;
            }

            @Override
            protected void initChannel(Channel ch) {
                int port = ((InetSocketAddress) ch.localAddress()).getPort();
                ConnectionLog log = telemetry.open("capture_" + port, ch.remoteAddress(), ch.localAddress());
                ChannelPipeline p = ch.pipeline();
                p.addLast(PipelineNames.IDLE, new IdleTimeout(settings.idleTimeout().toMillis()));
                p.addLast(PipelineNames.ACCESS_LOG, new AccessLogHandler(telemetry.accessLog(), log));
                p.addLast(PipelineNames.CAPTURE, new CaptureHandler(policy.get(), context, log));
            }
        };
    }

    @Override
    public void close() {
        listeners.forEach(ch -> ch.close().syncUninterruptibly());
        listeners.clear();
        resolver.close();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
