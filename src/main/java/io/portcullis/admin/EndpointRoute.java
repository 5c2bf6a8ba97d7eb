package io.portcullis.admin;

import java.util.concurrent.CompletableFuture;

/**
 * An admin route at one exact path that answers one method ({@code POST /apply},
 * {@code GET /check}, …); any other method gets the 405 in the API's Status shape, naming the
 * method allowed. Subclasses only answer.
 */
abstract class EndpointRoute implements AdminRoute {
    private final String path;
    private final String method;

    EndpointRoute(String path, String method) {
        this.path = path;
        this.method = method;
    }

    @Override
    public final boolean serves(String p) {
        return p.equals(path);
    }

    @Override
    public final CompletableFuture<AdminResponse> handle(AdminRequest r) {
        return r.method().equals(method) ? answer(r) : StoreExecutor.methodNotAllowed(r, path, method);
    }

    /** Answers a request with the route's method; never blocks. */
    abstract CompletableFuture<AdminResponse> answer(AdminRequest r);
}
