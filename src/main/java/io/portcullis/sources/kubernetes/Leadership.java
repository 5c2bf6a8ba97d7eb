package io.portcullis.sources.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a {@code coordination.k8s.io/v1} Lease (fabric8's LeaderElector): exactly one
 * replica writes status and Events, the others only read. A replica that loses the Lease (or
 * cannot renew it while the API server is away) stops writing and stands for election again.
 */
final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String identity;
    private final Duration lease;
    private final Runnable onStart;
    private final Executor executor;
    private volatile boolean leader;
    private volatile boolean closed;
    private volatile CompletableFuture<?> running;

    /** @param onStart called (on {@code executor}) each time this replica becomes the leader */
    Leadership(KubernetesClient client, String namespace, String identity, Duration lease, Runnable onStart,
               Executor executor) {
        this.client = client;
        this.namespace = namespace;
        this.identity = identity;
        this.lease = lease;
        this.onStart = onStart;
        this.executor = executor;
    }

    boolean isLeader() {
        return leader;
    }

    synchronized void start() {
        if (closed) {
            return;
        }
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(KubernetesSettings.LEASE_NAME)
                .withLock(new LeaseLock(namespace, KubernetesSettings.LEASE_NAME, identity))
                .withLeaseDuration(lease)
                .withRenewDeadline(lease.multipliedBy(2).dividedBy(3))
                .withRetryPeriod(lease.dividedBy(5))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped,
                        who -> LOG.info("status writer: {} leads (Lease {}/{})", who, namespace,
                                KubernetesSettings.LEASE_NAME)))
                .build()).build();
        running = elector.start();
        // The callback is the handling: whether the election ended or failed, this replica stands again.
        CompletableFuture<?> unused = running.whenComplete((v, t) -> {
            leader = false;
            if (!closed) {
                // Lost the Lease, or the election loop ended on an error: stand again after a pause.
                CompletableFuture.delayedExecutor(lease.toMillis() / 5, TimeUnit.MILLISECONDS).execute(this::start);
            }
        });
    }

    private void started() {
        leader = true;
        LOG.info("status writer: this replica ({}) writes status and Events", identity);
        executor.execute(onStart);
    }

    private void stopped() {
        leader = false;
        LOG.info("status writer: this replica ({}) no longer leads", identity);
    }

    @Override
    public synchronized void close() {
        closed = true;
        CompletableFuture<?> r = running;
        if (r != null) {
            r.cancel(true);
        }
    }
}
