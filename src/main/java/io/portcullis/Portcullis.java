package io.portcullis;

import io.portcullis.admin.AdminRoute;
import io.portcullis.admin.AdminServer;
import io.portcullis.admin.AdminTls;
import io.portcullis.admin.AdminToken;
import io.portcullis.admin.LearnApi;
import io.portcullis.admin.MetricsRoute;
import io.portcullis.admin.ResourceApi;
import io.portcullis.admin.ServingCertificate;
import io.portcullis.identity.MeshCredentials;
import io.portcullis.learn.Learner;
import io.portcullis.model.ResourceSet;
import io.portcullis.policy.CurrentPolicy;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.proxy.AcceptBackoff;
import io.portcullis.proxy.GatewayServer;
import io.portcullis.proxy.ListenAddress;
import io.portcullis.proxy.OwnListeners;
import io.portcullis.proxy.Transport;
import io.portcullis.proxy.capture.CaptureServer;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.proxy.mtls.TlsContexts;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.FolderSource;
import io.portcullis.sources.kubernetes.ClusterSnapshot;
import io.portcullis.sources.kubernetes.KubernetesSettings;
import io.portcullis.sources.kubernetes.KubernetesSource;
import io.portcullis.sources.kubernetes.Rejection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.telemetry.AccessLog;
import io.portcullis.telemetry.Telemetry;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
    private final Learner learner;
    private final GatewayServer server;
    private final CaptureServer capture;
    private final TlsContexts tlsContexts;
    /** Every listening socket of this process: no upstream connection may go to one. */
    private final OwnListeners ownListeners;
    private final ScheduledExecutorService certsReload;
    /** This instance's namespace, from its mesh identity: callers without an identity are scoped to it (exportTo, Sidecar). */
    private final @org.jspecify.annotations.Nullable String ownNamespace;
    /** The admin API's HTTPS certificate ({@code --admin-tls-cert}); null for plain HTTP. */
    private ServingCertificate adminCertificate;
    /** Re-reads the admin API's certificate files; idle without --admin-tls-cert. */
    private final ScheduledExecutorService adminCertsReload = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "admin-certs");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong generation = new AtomicLong();
    private FolderSource source;
    private KubernetesSource kube;
    private volatile Set<String> lastRejections = Set.of();
    private volatile Set<String> lastWarnings = Set.of();
    private AdminServer admin;
    private ResourceApi resourceApi;
    private InetSocketAddress proxyAddress;
    private List<InetSocketAddress> captureAddresses = List.of();
    private volatile boolean ready;

    private Portcullis(RunOptions options) throws IOException {
        this.options = options;
        // Read first: a missing identity fails the start before any thread exists.
        MeshCredentials mesh = options.mesh().meshCerts() == null ? null : MeshCredentials.load(options.mesh().meshCerts());
        // Also before any thread: no name server (and no --hosts-file) fails the start.
        Transport transport = options.mesh().isSidecar() ? Transport.best() : Transport.configured();
        UpstreamResolver resolver = new UpstreamResolver(transport, options.dns(), options.hostsFile());
        this.policy = new CurrentPolicy(EgressPolicy.empty(options.outboundPolicy()));
        this.accessLog = options.accessLogFile() == null ? AccessLog.toStdout(System.out, options.accessLogFormat())
                : AccessLog.toFile(options.accessLogFile(), options.accessLogFormat());
        this.metrics = new GatewayMetrics(options.maxLabelValues());
        // Fed by the access log's writer thread, so learning costs the event loops nothing.
        this.learner = new Learner(options.learn(), metrics::totals);
        accessLog.onRecord(learner::offer);
        int threads = options.workerThreads() > 0 ? options.workerThreads() : Runtime.getRuntime().availableProcessors();
        this.tlsContexts = new TlsContexts(mesh);
        // A workload's namespace does not change when its certificate rotates: read once.
        this.ownNamespace = mesh == null || mesh.current().spiffeId() == null ? null
                : mesh.current().spiffeId().namespace();
        Telemetry telemetry = new Telemetry(accessLog, metrics);
        this.ownListeners = new OwnListeners();
        // One role per process: a sidecar has no explicit proxy and no Gateway listeners.
        this.server = options.mesh().isSidecar() ? null
                : new GatewayServer(transport, options.proxySettings(), policy, resolver, telemetry, threads,
                        options.allowPrivate(), tlsContexts, ownListeners);
        this.capture = !options.mesh().isSidecar() ? null
                : new CaptureServer(transport, options.proxySettings(), policy, resolver, tlsContexts,
                        options.mesh().onMismatch(), telemetry, threads, ownListeners);
        this.certsReload = mesh == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mesh-certs");
            t.setDaemon(true);
            return t;
        });
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
        if (options.adminTls().isPresent()) {
            AdminTls tls = options.adminTls().get();
            adminCertificate = ServingCertificate.load(tls.certFile(), tls.keyFile());
            // reloadIfChanged logs its own failures, so the periodic task never ends early; shutdown stops it.
            ScheduledFuture<?> unused =
                    adminCertsReload.scheduleWithFixedDelay(adminCertificate::reloadIfChanged, 10, 10, TimeUnit.SECONDS);
        }
        if (token == null && !options.adminBind().getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the admin endpoint " + ListenAddress.of(options.adminBind())
                    + " is not on a loopback address; an admin token is required there");
        }
        if (tlsContexts.mesh() != null) {
            LOG.info("mesh identity {} from {}", tlsContexts.mesh().current(), tlsContexts.mesh().dir());
            LOG.info("namespace {}: callers without a mesh identity of their own are scoped to it (exportTo, Sidecar)",
                    ownNamespace == null ? "none (the identity names none)" : ownNamespace);
            long every = options.mesh().certsReload().toMillis();
            // The mesh identity's reload logs its own failures; shutting the executor down stops the task.
            ScheduledFuture<?> unused =
                    certsReload.scheduleWithFixedDelay(this::reloadCertificates, every, every, TimeUnit.MILLISECONDS);
        }
        if (options.kubernetes().isPresent()) {
            startKubernetes(token, options.kubernetes().get());
        } else {
            startFolder(token);
        }
        settleStartupHeap();
        // The data plane opens only now, with the first configuration in force: a client that
        // connects as soon as the port opens is judged by the operator's configuration, never by
        // the empty one the gateway starts from. Gateway listeners open as that configuration applies.
        String adminText = ListenAddress.of(ListenAddress.requestedWithPort(options.adminBind(), admin.address()));
        if (capture != null) {
            captureAddresses = capture.start(options.mesh().captureBinds());
            captureAddresses.forEach(a -> ownListeners.add(a, "capture listener"));
            LOG.info("sidecar: capture listener on {}, admin on {}, outbound policy {}, on mismatch {}",
                    captureAddresses.stream().map(ListenAddress::of).toList(), adminText, options.outboundPolicy(),
                    options.mesh().onMismatch());
        } else {
            proxyAddress = server.startProxy(options.proxyBind());
            LOG.info("explicit proxy on {} ({} transport), admin on {}, outbound policy {}, gateway labels {}",
                    ListenAddress.of(proxyAddress), server.transportName(), adminText, options.outboundPolicy(),
                    options.gatewayLabels());
        }
        if (!options.allowPrivate().isEmpty()) {
            LOG.warn("--allow-private {}: the SSRF guard lets every allowed destination reach these ranges",
                    options.allowPrivate());
        }
        ready = true;
    }

    /**
     * One full collection before the data plane opens, so what start-up built and keeps (the
     * configuration, Netty's arenas, the metrics, the JIT's and class loading's objects: 2 MB with
     * the bench configuration) goes to the old generation at once. Without it G1 keeps those objects
     * in the survivor space and copies them again in each of the first fifteen young collections
     * (its tenuring threshold) under load: two thirds of what those pauses copied
     * ({@code -Xlog:gc+age=trace}, bench/JVM.md). It costs one pause before any client is served.
     */
    private static void settleStartupHeap() {
        System.gc();
    }

    private void startFolder(AdminToken token) throws IOException, InterruptedException {
        source = new FolderSource(options.configDir(), this::apply, rejected -> metrics.configRejected());
        // API writes go into the folder; the folder source's reload puts them in force before the API answers.
        FolderStore store = new FolderStore(source.folder(), source::reloadAfterWrite, Clock.systemUTC());
        resourceApi = new ResourceApi(store, policy::get, new PrivateAddressGuard(options.allowPrivate()));
        // The folder source always takes API writes, so the live view's "Allow" may apply.
        LearnApi learnApi = new LearnApi(learner, policy::get, Optional.of(store), resourceApi, true);
        startAdmin(token, learnApi, () -> ready);
        LoadResult first = source.start();
        if (first.hasErrors()) {
            LOG.error("starting with no configuration: everything is denied until {} validates", options.configDir());
        }
    }

    /** The admin endpoint, with the resource API, the learner's API and the metrics. */
    private void startAdmin(AdminToken token, LearnApi learnApi, java.util.function.BooleanSupplier isReady)
            throws InterruptedException {
        List<AdminRoute> routes = new ArrayList<>();
        routes.add(new MetricsRoute(metrics));
        routes.addAll(resourceApi.routes());
        routes.addAll(learnApi.routes());
        admin = AdminServer.start(Transport.best(), options.adminBind(), isReady, token, routes, learnApi.streams(),
                Optional.of(new AcceptBackoff(metrics, "admin endpoint")), adminCertificate);
        ownListeners.add(admin.address(), "admin endpoint");
    }

    /** Resources from the API server; ready once the informers have listed everything once. */
    private void startKubernetes(AdminToken token, KubernetesSettings settings) throws IOException, InterruptedException {
        kube = KubernetesSource.connect(settings, this::applyCluster);
        resourceApi = new ResourceApi(policy::get, new PrivateAddressGuard(options.allowPrivate()));
        // The cluster is written with kubectl, not through this API: the live view shows the YAML to copy.
        LearnApi learnApi = new LearnApi(learner, policy::get, Optional.empty(), resourceApi, false);
        KubernetesSource k = kube;
        startAdmin(token, learnApi, () -> ready && k.synced());
        LOG.info("kubernetes: API server {} as {}; not ready until the first full sync", kube.server(), kube.identity());
        kube.start();
    }

    /** Called by the Kubernetes source with each snapshot of the cluster, on its thread. */
    private void applyCluster(ClusterSnapshot snapshot) {
        apply(snapshot.result());
        Map<String, Integer> byKind = new HashMap<>();
        Set<String> messages = new HashSet<>();
        for (Rejection r : snapshot.rejections()) {
            byKind.merge(r.object().kind(), 1, Integer::sum);
            messages.add(r.object() + ": " + r.message());
        }
        metrics.rejectedResources(byKind, REJECTABLE_KINDS);
        Set<String> warnings = new HashSet<>();
        snapshot.result().warnings().forEach(w -> warnings.add(w.toString()));
        warnings.stream().filter(w -> !lastWarnings.contains(w)).sorted().forEach(w -> LOG.warn("{}", w));
        lastWarnings = Set.copyOf(warnings);
        if (!messages.equals(lastRejections)) {
            // Every replica says it in its own log; only the leader writes status and Events.
            messages.stream().filter(m -> !lastRejections.contains(m)).sorted()
                    .forEach(m -> LOG.error("kubernetes: skipped {}", m));
            lastRejections = Set.copyOf(messages);
        }
    }

    private static final List<String> REJECTABLE_KINDS = List.of("ServiceEntry", "Gateway", "VirtualService",
            "DestinationRule", "AuthorizationPolicy", "Secret", "Sidecar");

    /** The Kubernetes source, when the resources come from an API server. */
    public java.util.Optional<KubernetesSource> kubernetes() {
        return java.util.Optional.ofNullable(kube);
    }

    /** Called by the folder source with each valid whole configuration, on its thread. */
    private synchronized void apply(LoadResult loaded) {
        ResourceSet set = loaded.resources();
        EgressPolicy next = EgressPolicy.compile(set, options.outboundPolicy(), options.gatewayLabels(), ownNamespace);
        next.notes().forEach(n -> LOG.warn("{}", n));
        next.unselectedGateways().forEach(g -> LOG.info("Gateway {} not served here: its selector {} does not match"
                + " this instance's labels {}", g.id(), g.selector(), options.gatewayLabels()));
        // Certificates first: a connection that sees the new policy finds its TLS contexts ready.
        tlsContexts.update(next).forEach(p -> LOG.error("TLS unavailable: {}", p));
        if (server != null) {
            server.prepare(next);
        }
        policy.set(next);
        if (server != null) {
            server.reconcile(next);
        }
        metrics.configApplied();
        LOG.info("configuration {} applied from {}: {} ServiceEntry, {} Gateway, {} VirtualService, {} DestinationRule,"
                        + " {} AuthorizationPolicy, {} Secret, {} Sidecar", generation.incrementAndGet(),
                kube != null ? "the Kubernetes API" : options.configDir(),
                set.serviceEntries().size(), set.gateways().size(), set.virtualServices().size(),
                set.destinationRules().size(), set.authorizationPolicies().size(), set.secrets().size(),
                set.sidecars().size());
    }

    /** On the timer thread: rotated workload certificates apply to new connections. */
    private void reloadCertificates() {
        if (tlsContexts.mesh().reloadIfChanged()) {
            synchronized (this) {
                tlsContexts.update(policy.get()).forEach(p -> LOG.error("TLS unavailable: {}", p));
            }
        }
    }

    /** The gateway role's I/O transport ({@code io_uring}, {@code epoll} or {@code nio}); null for a sidecar. */
    public String transportName() {
        return server == null ? null : server.transportName();
    }

    /** The explicit proxy's address; null in the sidecar role. */
    public InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    /** The capture listeners' addresses in the sidecar role; empty in the gateway role. */
    public List<InetSocketAddress> captureAddresses() {
        return captureAddresses;
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

    /** What was learned from undeclared and refused traffic. */
    public Learner learner() {
        return learner;
    }

    /** Reopens the access-log file by name (after logrotate moved it); lines queued meanwhile are kept. */
    public void reopenAccessLog() {
        accessLog.reopen();
    }

    public GatewayServer server() {
        return server;
    }

    @Override
    public void close() {
        ready = false;
        adminCertsReload.shutdownNow();
        if (certsReload != null) {
            certsReload.shutdownNow();
        }
        if (kube != null) {
            kube.close();
        }
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
        if (server != null) {
            server.close();
        }
        if (capture != null) {
            capture.close();
        }
        ownListeners.close();
        try {
            accessLog.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // After the access log: its last records reach the learner before the state file is written.
        learner.close();
    }
}
