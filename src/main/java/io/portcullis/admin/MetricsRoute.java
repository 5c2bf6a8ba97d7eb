package io.portcullis.admin;

import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@code GET /stats/prometheus}: the metrics in Prometheus's text format, rendered on the admin loop (no I/O). */
public final class MetricsRoute implements AdminRoute {
    private final GatewayMetrics metrics;

    public MetricsRoute(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public boolean serves(String path) {
        return path.equals("/stats/prometheus");
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest request) {
        return CompletableFuture.completedFuture(
                new AdminResponse(200, GatewayMetrics.contentType(), metrics.scrape(), List.of()));
    }
}
