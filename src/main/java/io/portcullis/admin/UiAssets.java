package io.portcullis.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /ui}: the live view's page and its scripts, from the jar (uPlot from its WebJar):
 * nothing is loaded from anywhere else, so the page works without internet. Read once, at start.
 */
final class UiAssets implements AdminRoute {
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final Map<String, String[]> FILES = Map.of(
            "/ui", new String[] {"/io/portcullis/ui/index.html", "text/html; charset=utf-8"},
            "/ui/", new String[] {"/io/portcullis/ui/index.html", "text/html; charset=utf-8"},
            "/ui/app.js", new String[] {"/io/portcullis/ui/app.js", "text/javascript; charset=utf-8"},
            "/ui/app.css", new String[] {"/io/portcullis/ui/app.css", "text/css; charset=utf-8"},
            "/ui/uplot.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "/ui/uplot.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"});

    private final Map<String, AdminResponse> responses;

    UiAssets() {
        Map<String, AdminResponse> m = new java.util.HashMap<>();
        FILES.forEach((path, f) -> m.put(path, new AdminResponse(200, f[1], read(f[0]), List.of())));
        this.responses = Map.copyOf(m);
    }

    static boolean isAsset(String path) {
        return FILES.containsKey(path);
    }

    private static byte[] read(String resource) {
        try (InputStream in = UiAssets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean serves(String path) {
        return FILES.containsKey(path);
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest request) {
        return CompletableFuture.completedFuture(responses.get(request.path()));
    }
}
