package io.portcullis.admin;

import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.sources.store.FolderStore;
import java.util.List;
import java.util.function.Supplier;

/**
 * The admin API of the resources: discovery for kubectl ({@link KubernetesDiscovery}), CRUD ({@link ResourceRoutes}), apply ({@link ApplyRoute}), delete
 * of several as one change ({@link DeleteRoute}) and check ({@link CheckRoute}), with the thread
 * that does their file I/O. Close it after the {@link AdminServer} that serves its routes.
 */
public final class ResourceApi implements AutoCloseable {
    private final StoreExecutor executor = new StoreExecutor();
    private final List<AdminRoute> routes;

    public ResourceApi(FolderStore store, Supplier<EgressPolicy> policy) {
        this(store, policy, PrivateAddressGuard.STRICT);
    }

    /** @param guard the SSRF guard the listeners connect through, so that {@code check} applies it too */
    public ResourceApi(FolderStore store, Supplier<EgressPolicy> policy, PrivateAddressGuard guard) {
        this.routes = List.of(new KubernetesDiscovery(), new ResourceRoutes(store, executor), new ApplyRoute(store, executor),
                new DeleteRoute(store, executor), new CheckRoute(policy, guard));
    }

    /** The thread that does the store's file I/O, shared with {@code diff}. */
    StoreExecutor executor() {
        return executor;
    }

    /**
     * Only {@code check}: for a gateway whose resources live in the Kubernetes API server, where
     * {@code kubectl} writes them; this API has no folder to write into.
     */
    public ResourceApi(Supplier<EgressPolicy> policy, PrivateAddressGuard guard) {
        this.routes = List.of(new CheckRoute(policy, guard));
    }

    public List<AdminRoute> routes() {
        return routes;
    }

    @Override
    public void close() {
        executor.close();
    }
}
