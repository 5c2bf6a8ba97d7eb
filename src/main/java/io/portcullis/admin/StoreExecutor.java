package io.portcullis.admin;

import io.portcullis.model.Problem;
import io.portcullis.sources.store.StoreException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread on which the admin API reads and writes the configuration folder, so the admin
 * event loop never blocks on file I/O and writes are serialized in arrival order. Turns a
 * {@link StoreException} into its Kubernetes-style status answer.
 */
final class StoreExecutor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreExecutor.class);

    /** Work on the folder that answers, or refuses with a {@link StoreException}. */
    interface StoreCall {
        AdminResponse call() throws StoreException;
    }

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "admin-store");
        t.setDaemon(true);
        return t;
    });

    CompletableFuture<AdminResponse> submit(StoreCall call) {
        CompletableFuture<AdminResponse> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    f.complete(call.call());
                } catch (StoreException e) {
                    f.complete(refusal(e));
                } catch (RuntimeException e) {
                    LOG.error("admin: unexpected failure", e);
                    f.complete(json(500, ApiBodies.status(500, "InternalError", "internal error: " + e,
                            java.util.List.of())));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(json(503, ApiBodies.status(503, "ServiceUnavailable", "the gateway is stopping",
                    java.util.List.of())));
        }
        return f;
    }

    static AdminResponse refusal(StoreException e) {
        int code = switch (e.reason()) {
            case INVALID -> 422;
            case CONFLICT, ALREADY_EXISTS -> 409;
            case NOT_FOUND -> 404;
            case BAD_REQUEST -> 400;
            case INTERNAL -> 500;
        };
        // kubectl prints only the message: the errors go into it, not just into problems.
        List<String> errors = e.problems().stream().filter(Problem::isError).map(Problem::toString).toList();
        String message = errors.isEmpty() ? e.getMessage() : e.getMessage() + ": " + String.join("; ", errors);
        return json(code, ApiBodies.status(code, e.reason().text(), message, e.problems()));
    }

    /** The 405 a route answers to any method but {@code allowed}, in the API's Status shape. */
    static CompletableFuture<AdminResponse> methodNotAllowed(AdminRequest r, String path, String allowed) {
        return CompletableFuture.completedFuture(json(405, ApiBodies.status(405, "MethodNotAllowed",
                r.method() + " is not allowed on " + path + " (allowed: " + allowed + ")", List.of())));
    }

    static AdminResponse json(int code, String body) {
        return new AdminResponse(code, "application/json", body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.util.List.of());
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
