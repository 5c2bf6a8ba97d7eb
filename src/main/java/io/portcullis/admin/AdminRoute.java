package io.portcullis.admin;

import java.util.concurrent.CompletableFuture;

/**
 * A part of the admin API, served by {@link AdminServer} under a path prefix. Called on the
 * admin event loop: a route that reads or writes files hands the work to an executor of its own
 * and completes the future from there.
 */
public interface AdminRoute {
    /** Whether this route serves {@code path} (the path only, no query). */
    boolean serves(String path);

    /** Answers the request; never blocks. */
    CompletableFuture<AdminResponse> handle(AdminRequest request);
}
