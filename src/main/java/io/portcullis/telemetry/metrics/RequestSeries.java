package io.portcullis.telemetry.metrics;

import io.portcullis.telemetry.Destination;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Istio request series of one label set ({@code istio_requests_total} and
 * {@code istio_request_duration_milliseconds}), so that an HTTP exchange or a CONNECT costs one
 * map lookup for both, with no nine-label array, status or port text built. Each data point is
 * looked up when its label set is first cached, as {@code labelValues} did per exchange before:
 * the series exported are the same. Thread-safe.
 */
final class RequestSeries {
    /**
     * Label sets cached at most: a steady gateway sees far fewer (destinations × statuses × flags
     * seen), and {@code service} is already through the label budget. Past the bound a label set
     * is looked up per exchange, as before the cache: the counts stay right and a flood of distinct
     * label sets (statuses from upstreams, principals) cannot grow this map without limit (at about
     * 200 bytes an entry, 4,096 entries are under 1 MiB).
     */
    static final int MAX_CACHED = 4096;

    /**
     * One label set, before it is written out.
     *
     * @param principal the client's identity, or null for none
     */
    record Key(String service, String serviceName, int port, String principal, int status, String flags) {
    }

    /** The two data points of one label set. */
    record Points(CounterDataPoint requests, DistributionDataPoint duration) {
    }

    private final GatewayMetrics metrics;
    private final Map<Key, Points> cached = new ConcurrentHashMap<>();

    RequestSeries(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    /** The data points of {@code key}: cached while fewer than {@link #MAX_CACHED} label sets are. */
    Points points(Key key) {
        Points p = cached.get(key);
        if (p != null) {
            return p;
        }
        p = lookUp(key);
        if (cached.size() < MAX_CACHED) {
            // A race may cache a few past the bound (the size is read, then the entry put), never an unbounded number.
            Points raced = cached.putIfAbsent(key, p);
            return raced != null ? raced : p;
        }
        return p;
    }

    /** How many label sets are cached (tests). */
    int size() {
        return cached.size();
    }

    private Points lookUp(Key k) {
        String principal = k.principal() == null ? Destination.UNKNOWN : k.principal();
        String[] labels = {TcpSeries.REPORTER, principal, k.service(), k.serviceName(),
            k.port() == 0 ? Destination.UNKNOWN : Integer.toString(k.port()), "http", Integer.toString(k.status()),
            k.flags(), k.principal() == null ? "none" : "mutual_tls"};
        return new Points(metrics.counter(MetricCatalog.REQUESTS).labelValues(labels),
                metrics.histogram(MetricCatalog.REQUEST_DURATION).labelValues(labels));
    }
}
