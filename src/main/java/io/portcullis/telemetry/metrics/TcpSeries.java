package io.portcullis.telemetry.metrics;

import io.portcullis.telemetry.Destination;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * The Istio TCP counters of one label set ({@code istio_tcp_connections_opened_total}, {@code _closed_total},
 * {@code _received_bytes_total}, {@code _sent_bytes_total}), kept by {@link GatewayMetrics} so that a
 * connection costs one map lookup for them, with no label array or port text built. Each data
 * point is created on first use, as {@code labelValues} did per connection before, so the series
 * exported are the same. Thread-safe: a race at most looks a data point up twice.
 */
final class TcpSeries {
    /** Istio's {@code reporter} for a proxy on the client's side of a call, gateways included. */
    static final String REPORTER = "source";

    /**
     * One label set, before it is written out: {@code service} is already through the label budget,
     * so keys are as bounded as the series themselves.
     *
     * @param principal the client's identity, or null for none
     */
    record Key(String service, String serviceName, int port, String principal, String flags) {
    }

    private final GatewayMetrics metrics;
    private final String[] labels;
    private volatile CounterDataPoint opened;
    private volatile CounterDataPoint closed;
    private volatile CounterDataPoint received;
    private volatile CounterDataPoint sent;

    TcpSeries(GatewayMetrics metrics, Key k) {
        this.metrics = metrics;
        String principal = k.principal() == null ? Destination.UNKNOWN : k.principal();
        String port = k.port() == 0 ? Destination.UNKNOWN : Integer.toString(k.port());
        this.labels = new String[] {REPORTER, principal, k.service(), k.serviceName(), port, k.flags(),
            k.principal() == null ? "none" : "mutual_tls"};
    }

    CounterDataPoint opened() {
        CounterDataPoint p = opened;
        if (p == null) {
            p = point(MetricCatalog.TCP_CONNECTIONS_OPENED);
            opened = p;
        }
        return p;
    }

    CounterDataPoint closed() {
        CounterDataPoint p = closed;
        if (p == null) {
            p = point(MetricCatalog.TCP_CONNECTIONS_CLOSED);
            closed = p;
        }
        return p;
    }

    CounterDataPoint received() {
        CounterDataPoint p = received;
        if (p == null) {
            p = point(MetricCatalog.TCP_RECEIVED_BYTES);
            received = p;
        }
        return p;
    }

    CounterDataPoint sent() {
        CounterDataPoint p = sent;
        if (p == null) {
            p = point(MetricCatalog.TCP_SENT_BYTES);
            sent = p;
        }
        return p;
    }

    private CounterDataPoint point(MetricCatalog m) {
        return metrics.counter(m).labelValues(labels);
    }
}
