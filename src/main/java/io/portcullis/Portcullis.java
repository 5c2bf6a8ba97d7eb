package io.portcullis;

import io.portcullis.admin.AdminRoute;
import io.portcullis.admin.AdminServer;
import io.portcullis.admin.AdminToken;
import io.portcullis.admin.MetricsRoute;
import io.portcullis.admin.ResourceApi;
import io.portcullis.model.ResourceSet;
import io.portcullis.policy.CurrentPolicy;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.proxy.GatewayServer;
import io.portcullis.proxy.Transport;
import io.portcullis.proxy.dns.HostsFile;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.FolderSource;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.telemetry.AccessLog;
import io.portcullis.telemetry.Telemetry;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the configuration folder feeding the policy snapshot, the data plane and the
 * admin endpoint, wired together. Started by {@code portcullis run} and, in-JVM, by tests.
 */
public final class Portcullis implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Portcullis.class);

    private final RunOptions options;
    private final CurrentPolicy policy;
    private final AccessLog accessLog;
    private final GatewayMetrics metrics;
    private final GatewayServer server;
    private final AtomicLong generation = new AtomicLong();
    private FolderSource source;
    private AdminServer admin;
    private ResourceApi resourceApi;
    private InetSocketAddress proxyAddress;
    private volatile boolean ready;

    private Portcullis(RunOptions options) throws IOException {
        this.options = options;
        this.policy = new CurrentPolicy(EgressPolicy.empty(options.outboundPolicy()));
        this.accessLog = options.accessLogFile() == null ? AccessLog.toStdout(System.out, options.accessLogFormat())
                : AccessLog.toFile(options.accessLogFile(), options.accessLogFormat());
        this.metrics = new GatewayMetrics(options.maxLabelValues());
        Transport transport = Transport.best();
        UpstreamResolver resolver = new UpstreamResolver(transport,
                options.hostsFile() == null ? null : HostsFile.read(options.hostsFile()));
        int threads = options.workerThreads() > 0 ? options.workerThreads() : Runtime.getRuntime().availableProcessors();
        this.server = new GatewayServer(transport, options.proxySettings(), policy, resolver,
                new Telemetry(accessLog, metrics), threads, options.allowPrivate());
    }

    public static Portcullis start(RunOptions options) throws IOException, InterruptedException {
        Portcullis p = new Portcullis(options);
        try {
            p.startAll();
            return p;
        } catch (IOException | InterruptedException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        AdminToken token = options.adminTokenFile() == null ? null : AdminToken.read(options.adminTokenFile());
        if (token == null && !options.adminBind().getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the admin endpoint " + hostPort(options.adminBind())
                    + " is not on a loopback address; an admin token is required there");
        }
        proxyAddress = server.startProxy(options.proxyBind());
        source = new FolderSource(options.configDir(), this::apply, rejected -> metrics.configRejected());
        // API writes go into the folder; the folder source's reload puts them in force before the API answers.
        resourceApi = new ResourceApi(new FolderStore(options.configDir(), source::reloadNow, Clock.systemUTC()),
                policy::get);
        List<AdminRoute> routes = new ArrayList<>();
        routes.add(new MetricsRoute(metrics));
        routes.addAll(resourceApi.routes());
        admin = AdminServer.start(Transport.best(), options.adminBind(), () -> ready, token, routes);
        LoadResult first = source.start();
        if (first.hasErrors()) {
            LOG.error("starting with no configuration: everything is denied until {} validates", options.configDir());
        }
        LOG.info("explicit proxy on {} ({} transport), admin on {}, outbound policy {}",
                hostPort(proxyAddress), server.transportName(), hostPort(admin.address()), options.outboundPolicy());
        if (!options.allowPrivate().isEmpty()) {
            LOG.warn("--allow-private {}: the SSRF guard lets every allowed destination reach these ranges",
                    options.allowPrivate());
        }
        ready = true;
    }

    /** Called by the folder source with each valid whole configuration, on its thread. */
    private void apply(LoadResult loaded) {
        ResourceSet set = loaded.resources();
        EgressPolicy next = EgressPolicy.compile(set, options.outboundPolicy());
        next.notes().forEach(n -> LOG.warn("{}", n));
        server.prepare(next);
        policy.set(next);
        server.reconcile(next);
        metrics.configApplied();
        LOG.info("configuration {} applied from {}: {} ServiceEntry, {} Gateway, {} VirtualService, {} DestinationRule",
                generation.incrementAndGet(), options.configDir(), set.serviceEntries().size(), set.gateways().size(),
                set.virtualServices().size(), set.destinationRules().size());
    }

    public InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    /** How many configurations have been applied since start (0: none valid yet). */
    public long generation() {
        return generation.get();
    }

    public EgressPolicy policy() {
        return policy.get();
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Reopens the access-log file by name (after logrotate moved it); lines queued meanwhile are kept. */
    public void reopenAccessLog() {
        accessLog.reopen();
    }

    public GatewayServer server() {
        return server;
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public void close() {
        ready = false;
        try {
            if (source != null) {
                source.close();
            }
        } catch (IOException e) {
            LOG.warn("closing the configuration watch: {}", e.getMessage());
        }
        if (admin != null) {
            admin.close();
        }
        if (resourceApi != null) {
            resourceApi.close();
        }
        server.close();
        try {
            accessLog.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
