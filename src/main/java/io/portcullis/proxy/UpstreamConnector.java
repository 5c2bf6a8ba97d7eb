package io.portcullis.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.policy.Reason;
import io.portcullis.policy.UpstreamTarget;
import io.portcullis.policy.UpstreamTarget.Candidate;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Opens the upstream connection for an allowed client connection, on the client's own event
 * loop (so the relay never crosses threads): resolves names asynchronously, then tries the
 * candidates' addresses in order until one connects. The upstream channel comes back with
 * auto-read off and an empty pipeline, for the caller to fill.
 */
public final class UpstreamConnector {
    private final Transport transport;
    private final UpstreamResolver resolver;
    private final ProxySettings settings;
    private final GatewayMetrics metrics;

    /** @param metrics where lookups and connect times are counted */
    public UpstreamConnector(Transport transport, UpstreamResolver resolver, ProxySettings settings,
                             GatewayMetrics metrics) {
        this.transport = transport;
        this.resolver = resolver;
        this.settings = settings;
        this.metrics = metrics;
    }

    /** Connects to the first reachable address of {@code target}; fails with an {@link UpstreamException}. */
    public Future<Channel> connect(EventLoop loop, UpstreamTarget target) {
        Promise<Channel> promise = loop.newPromise();
        Deque<Candidate> candidates = new ArrayDeque<>(target.candidates());
        next(loop, candidates, new ArrayDeque<>(), promise, null);
        return promise;
    }

    private void next(EventLoop loop, Deque<Candidate> candidates, Deque<InetSocketAddress> addresses,
                      Promise<Channel> promise, UpstreamException last) {
        if (!addresses.isEmpty()) {
            InetSocketAddress address = addresses.poll();
            long started = System.nanoTime();
            bootstrap(loop).connect(address).addListener((ChannelFuture f) -> {
                metrics.upstreamConnect(System.nanoTime() - started);
                if (f.isSuccess()) {
                    if (!promise.trySuccess(f.channel())) {
                        f.channel().close();
                    }
                } else {
                    next(loop, candidates, addresses, promise, new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE,
                            "connect to " + format(address) + " failed: " + describe(f.cause())));
                }
            });
            return;
        }
        Candidate candidate = candidates.poll();
        if (candidate == null) {
            promise.tryFailure(last != null ? last
                    : new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "no upstream address"));
            return;
        }
        if (candidate.address() != null) {
            addresses.add(new InetSocketAddress(candidate.address(), candidate.port()));
            next(loop, candidates, addresses, promise, last);
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
                next(loop, candidates, addresses, promise, last);
            } else {
                next(loop, candidates, addresses, promise, new UpstreamException(Reason.DNS_FAILURE,
                        "cannot resolve " + candidate.name() + ": " + describe(f.cause())));
            }
        });
    }

    private Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The caller installs the pipeline once it knows what the connection carries.
                    }
                });
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "no address";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
