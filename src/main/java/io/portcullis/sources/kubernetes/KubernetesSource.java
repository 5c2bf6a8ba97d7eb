package io.portcullis.sources.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.portcullis.model.CredentialRef;
import io.portcullis.model.DestinationRule;
import io.portcullis.model.Gateway;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceSet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio resources from the Kubernetes API server: one fabric8 informer (list, then watch) per
 * kind at the one version discovery chose, in every namespace or in each {@code --namespace},
 * and one per Secret a {@code credentialName} names. Every change re-compiles the whole valid set
 * ({@link ClusterState}: a bad object is skipped alone) and hands it to the consumer, debounced by
 * {@link #SETTLE} so a burst of changes is one snapshot.
 *
 * <p>An API server that goes away leaves the last snapshot in force: the informers keep their
 * caches and reconnect with exponential backoff, then list again (fabric8's Reflector). The
 * source is {@link #synced()} once every informer has listed once and that state was handed on;
 * it stays synced during an outage. Only the replica that holds the Lease writes status and Events.
 *
 * <p>Threads: informer callbacks parse on fabric8's threads; snapshots, status and Events are
 * made on the single {@code kubernetes-config} thread; the consumer is called there.
 */
public final class KubernetesSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);
    /** Changes arriving this close together make one snapshot. */
    static final long SETTLE = 20;
    /**
     * How long a snapshot that names a Secret not yet listed waits for it: long enough that a
     * DestinationRule and its Secret created together apply together, short enough that an API
     * server that stops answering does not hold back the other changes.
     */
    static final long SECRET_WAIT_MILLIS = 2_000;
    /** How often a snapshot waiting for a Secret's list looks again. */
    private static final long SECRET_RECHECK_MILLIS = 50;

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final Consumer<ClusterSnapshot> consumer;
    private final ClusterState state = new ClusterState();
    private final ScheduledExecutorService thread;
    /** Status and Events are written here, so a slow or absent API server never holds back a snapshot. */
    private final java.util.concurrent.ExecutorService statusThread;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Whether the objects changed since the last snapshot handed on. */
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private final List<SharedIndexInformer<?>> kindInformers = new ArrayList<>();
    private final Map<ResourceId, SharedIndexInformer<Secret>> secretInformers = new ConcurrentHashMap<>();
    private final Map<ResourceId, Long> secretStarted = new ConcurrentHashMap<>();
    private final Map<String, String> problems = new ConcurrentHashMap<>();
    /** The resourceVersion of each object last read, so an object is parsed once per version. */
    private final Map<ResourceId, String> versions = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicReference<ClusterSnapshot> toWrite =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final String identity;
    private final StatusWriter status;
    private final Leadership leadership;
    private volatile List<WatchedKind> watched = List.of();
    private volatile boolean synced;
    private volatile ClusterSnapshot last;
    private boolean ownsClient;

    /**
     * A source on its own client ({@link KubernetesClients#create}), closed with it.
     *
     * @throws IllegalArgumentException when {@code --kubeconfig} cannot be read
     */
    public static KubernetesSource connect(KubernetesSettings settings, Consumer<ClusterSnapshot> consumer) {
        KubernetesSource source = new KubernetesSource(KubernetesClients.create(settings), settings, consumer);
        source.ownsClient = true;
        return source;
    }

    /** The API server this source follows, for logs. */
    public String server() {
        return String.valueOf(client.getMasterUrl());
    }

    public KubernetesSource(KubernetesClient client, KubernetesSettings settings, Consumer<ClusterSnapshot> consumer) {
        this.client = client;
        this.settings = settings;
        this.consumer = consumer;
        this.identity = settings.identity().orElseGet(KubernetesSource::defaultIdentity);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kubernetes-config");
            t.setDaemon(true);
            return t;
        });
        this.statusThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kubernetes-status");
            t.setDaemon(true);
            return t;
        });
        this.status = new StatusWriter(client, identity);
        String leaseNamespace = settings.leaseNamespace()
                .orElse(Optional.ofNullable(client.getNamespace()).orElse("default"));
        this.leadership = new Leadership(client, leaseNamespace, identity, settings.leaseDuration(),
                this::onLeading, thread);
    }

    /**
     * Discovers the versions and starts the informers; returns at once (the first list happens in
     * the background: see {@link #synced()}). Kinds the cluster does not serve are logged and skipped.
     */
    public void start() {
        thread.execute(this::discoverAndWatch);
    }

    /** Whether every informer has listed once and the result is in force. Stays true while the API server is away. */
    public boolean synced() {
        return synced;
    }

    /** The kinds watched and the version chosen for each, e.g. {@code serviceentries.networking.istio.io/v1}. */
    public List<String> watchedResources() {
        return watched.stream().map(WatchedKind::resource).toList();
    }

    /**
     * Why some informer cannot list or watch right now (e.g. a 403 that names the verb and the
     * resource), until it succeeds; empty when every informer has listed once.
     */
    public List<String> problems() {
        return problems.values().stream().sorted().toList();
    }

    public String identity() {
        return identity;
    }

    public boolean isLeader() {
        return leadership.isLeader();
    }

    private void discoverAndWatch() {
        discoverAndWatch(0);
    }

    private void discoverAndWatch(int attempt) {
        List<WatchedKind> kinds;
        try {
            kinds = ApiDiscovery.discover(client);
        } catch (ApiDiscovery.Failed e) {
            problems.put("discovery", e.getMessage());
            long delay = Math.min(30_000, 500L << Math.min(attempt, 6));
            LOG.error("kubernetes: {}; trying again in {} ms", e.getMessage(), delay);
            later(() -> discoverAndWatch(attempt + 1), delay);
            return;
        }
        problems.remove("discovery");
        if (kinds.isEmpty()) {
            problems.put("discovery", "the API server serves none of the Istio kinds; install their CRDs");
            later(() -> discoverAndWatch(attempt + 1), 10_000);
            return;
        }
        watched = List.copyOf(kinds);
        LOG.info("kubernetes: watching {} in {}", watchedResources(),
                settings.namespaces().isEmpty() ? "all namespaces" : "namespaces " + settings.namespaces());
        for (WatchedKind k : kinds) {
            for (String ns : namespacesOrAll()) {
                var op = client.genericKubernetesResources(k.context());
                SharedIndexInformer<io.fabric8.kubernetes.api.model.GenericKubernetesResource> informer =
                        ns == null ? op.inAnyNamespace().runnableInformer(0) : op.inNamespace(ns).runnableInformer(0);
                String where = ns == null ? "in all namespaces" : "in namespace " + ns;
                start(informer, k.kind().qualifiedPlural(), where);
                kindInformers.add(informer);
            }
        }
        leadership.start();
        schedule();
    }

    private List<String> namespacesOrAll() {
        return settings.namespaces().isEmpty() ? java.util.Collections.singletonList(null) : settings.namespaces();
    }

    private <T extends HasMetadata> void start(SharedIndexInformer<T> informer, String resource, String where) {
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                changed(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                changed(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                removed(obj);
            }
        });
        informer.exceptionHandler((started, t) -> {
            String message = ApiErrors.describe(t, "list, watch", resource, where);
            problems.put(resource + " " + where, message);
            // Said once per distinct failure, not on every retry; retried with backoff whatever it is.
            if (reported.add(message)) {
                LOG.error("kubernetes: {}; retrying with backoff, the last configuration stays in force", message);
            }
            return true;
        });
        informer.start().whenComplete((v, t) -> {
            reported.removeIf(m -> m.contains(resource));
            problems.remove(resource + " " + where);
            schedule();
        });
    }

    private void changed(HasMetadata obj) {
        ResourceId id = idOf(obj);
        String version = obj.getMetadata().getResourceVersion();
        if (version != null && version.equals(versions.get(id))) {
            // Already read from the informer's store (first sync) or delivered twice.
            return;
        }
        ApiObjects.Read read = ApiObjects.read(obj);
        if (version != null) {
            versions.put(id, version);
        }
        if (state.put(read.object(), read.parsed())) {
            dirty.set(true);
            schedule();
        }
    }

    private void removed(HasMetadata obj) {
        ResourceId id = idOf(obj);
        versions.remove(id);
        if (state.remove(id)) {
            dirty.set(true);
            schedule();
        }
    }

    private static ResourceId idOf(HasMetadata obj) {
        String ns = obj.getMetadata().getNamespace() == null ? "default" : obj.getMetadata().getNamespace();
        return new ResourceId(obj.getKind(), ns, obj.getMetadata().getName());
    }

    /**
     * Reads every object the informers' stores hold. An informer reports itself synced once its
     * store holds the first list, while its notifications may still be on their way: the first
     * snapshot is made from the stores, so readiness never announces a partial view.
     */
    private void readStores() {
        for (SharedIndexInformer<?> informer : kindInformers) {
            informer.getStore().list().forEach(o -> changed((HasMetadata) o));
        }
        for (SharedIndexInformer<Secret> informer : secretInformers.values()) {
            informer.getStore().list().forEach(this::changed);
        }
    }

    /** Runs a step on the source's thread after a delay; a failure is logged instead of lost in the future. */
    private void later(Runnable step, long delayMillis) {
        ScheduledFuture<?> unused = thread.schedule(() -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                LOG.error("kubernetes: a scheduled step failed", e);
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            later(this::rebuild, SETTLE);
        }
    }

    private void rebuild() {
        scheduled.set(false);
        // Cleared before reading, so a change that arrives while this snapshot is made makes the next one.
        if (!dirty.getAndSet(false) && synced) {
            // Woken by an informer (re)starting or a pending Secret, with nothing new to compile.
            return;
        }
        try {
            boolean allListed = kindInformers.stream().allMatch(SharedIndexInformer::hasSynced);
            if (!synced && allListed) {
                readStores();
            }
            ClusterSnapshot snapshot = state.snapshot();
            followSecrets(snapshot.result().resources());
            long now = System.nanoTime();
            boolean secretPending = secretInformers.entrySet().stream().anyMatch(e -> !e.getValue().hasSynced()
                    && now - secretStarted.getOrDefault(e.getKey(), now) < SECRET_WAIT_MILLIS * 1_000_000);
            if (synced && secretPending) {
                // A newly named Secret is being listed: apply the change with it, not before it.
                dirty.set(true);
                later(this::schedule, SECRET_RECHECK_MILLIS);
                return;
            }
            if (!synced && allListed && !secretPending && !secretInformers.isEmpty()) {
                // The Secrets named by the first list, now listed too.
                readStores();
                snapshot = state.snapshot();
            }
            if (!synced && !(allListed && !secretPending && !watched.isEmpty())) {
                // Before the first full list a partial view would deny what the cluster allows: wait for it. A
                // Secret that cannot be listed (RBAC) does not hold readiness back for longer than SECRET_WAIT_MILLIS.
                if (allListed && secretPending) {
                    later(this::schedule, SECRET_RECHECK_MILLIS);
                }
                dirty.set(true);
                return;
            }
            if (synced && snapshot.equals(last)) {
                // The same objects again (e.g. a watch that re-sends what the list gave): nothing to recompile.
                return;
            }
            last = snapshot;
            consumer.accept(snapshot);
            if (!synced) {
                synced = true;
                LOG.info("kubernetes: first full sync done ({} objects)", state.size());
            }
            if (leadership.isLeader()) {
                writeStatus(snapshot);
            }
        } catch (RuntimeException e) {
            dirty.set(true);
            LOG.error("kubernetes: unexpected failure while compiling the cluster's resources", e);
        }
    }

    private void onLeading() {
        statusThread.execute(status::newTerm);
        ClusterSnapshot s = last;
        if (s != null) {
            writeStatus(s);
        }
    }

    /** Only the newest snapshot is written: snapshots made while a write is under way replace each other. */
    private void writeStatus(ClusterSnapshot snapshot) {
        if (toWrite.getAndSet(snapshot) == null) {
            statusThread.execute(() -> {
                ClusterSnapshot newest = toWrite.getAndSet(null);
                if (newest != null && leadership.isLeader()) {
                    status.write(newest);
                }
            });
        }
    }

    /** One informer per Secret a credentialName names (by field selector on its name), none for the rest. */
    private void followSecrets(ResourceSet set) {
        Set<ResourceId> wanted = new HashSet<>();
        Stream.concat(
                set.destinationRules().stream().flatMap(KubernetesSource::credentials),
                set.gateways().stream().flatMap(KubernetesSource::credentials))
                .forEach(ref -> ref.secretId().ifPresent(wanted::add));
        for (ResourceId id : wanted) {
            secretInformers.computeIfAbsent(id, key -> {
                SharedIndexInformer<Secret> informer = client.secrets().inNamespace(key.namespace())
                        .withName(key.name()).runnableInformer(0);
                secretStarted.put(key, System.nanoTime());
                start(informer, "secrets", "named " + key.name() + " in namespace " + key.namespace());
                return informer;
            });
        }
        secretInformers.entrySet().removeIf(e -> {
            if (wanted.contains(e.getKey())) {
                return false;
            }
            e.getValue().stop();
            secretStarted.remove(e.getKey());
            versions.remove(e.getKey());
            if (state.remove(e.getKey())) {
                dirty.set(true);
                schedule();
            }
            return true;
        });
    }

    private static Stream<CredentialRef> credentials(DestinationRule dr) {
        List<DestinationRule.TrafficPolicy> policies = new ArrayList<>();
        policies.add(dr.trafficPolicy());
        dr.subsets().forEach(s -> policies.add(s.trafficPolicy()));
        return policies.stream().filter(p -> p != null).flatMap(p -> Stream.concat(Stream.of(p.tls()),
                        p.portLevelSettings().stream().map(DestinationRule.PortTrafficPolicy::tls)))
                .filter(t -> t != null && t.credential().isPresent()).map(t -> t.credential().get());
    }

    private static Stream<CredentialRef> credentials(Gateway gw) {
        return gw.servers().stream().map(Gateway.Server::tls)
                .filter(t -> t != null && t.credential().isPresent()).map(t -> t.credential().get());
    }

    private static String defaultIdentity() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "portcullis";
            }
        }
        // Two gateways on one host (or in one JVM, as in tests) must still be two candidates.
        return host + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() {
        leadership.close();
        thread.shutdownNow();
        statusThread.shutdownNow();
        kindInformers.forEach(SharedIndexInformer::stop);
        secretInformers.values().forEach(SharedIndexInformer::stop);
        if (ownsClient) {
            client.close();
        }
    }
}
