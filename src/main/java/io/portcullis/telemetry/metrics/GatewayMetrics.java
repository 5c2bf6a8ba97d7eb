package io.portcullis.telemetry.metrics;

import io.portcullis.telemetry.ConnectionObserver;
import io.portcullis.telemetry.ProtocolMetrics;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's metrics, built from the {@link MetricCatalog} into one Prometheus registry of its
 * own (several gateways in one JVM do not share numbers), plus the JVM's. Every method is
 * thread-safe and non-blocking, for use on event loops; {@link #scrape} renders the text
 * exposition format for {@code GET /stats/prometheus}.
 */
public final class GatewayMetrics {
    /** Istio's default buckets for {@code istio_request_duration_milliseconds}. */
    private static final double[] ISTIO_DURATION_BUCKETS_MS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
        10000, 30000, 60000, 300000, 600000, 1800000, 3600000};
    private static final double[] HANDSHAKE_BUCKETS_S = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10, 30};
    public static final int DEFAULT_MAX_LABEL_VALUES = 500;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<MetricCatalog, StatefulMetric<?, ?>> metrics = new EnumMap<>(MetricCatalog.class);
    private final LabelBudget destinations;
    private final ProtocolCounters protocols;
    private final DistributionDataPoint dnsDuration;
    private final DistributionDataPoint connectDuration;
    private final DistributionDataPoint downstreamDuration;
    /** Per label set and per listener, so that a connection looks its series up once (never removed, as the series are not). */
    private final Map<TcpSeries.Key, TcpSeries> tcpSeries = new ConcurrentHashMap<>();
    private final Map<String, GaugeDataPoint> openConnections = new ConcurrentHashMap<>();
    private final RequestSeries requestSeries = new RequestSeries(this);

    /** @param maxLabelValues distinct client-chosen values per label before the rest count as {@code other} */
    public GatewayMetrics(int maxLabelValues) {
        for (MetricCatalog m : MetricCatalog.values()) {
            metrics.put(m, build(m));
        }
        JvmMetrics.builder().register(registry);
        this.destinations = budget("destination", maxLabelValues);
        this.protocols = new ProtocolCounters(this, maxLabelValues);
        Histogram handshake = histogram(MetricCatalog.HANDSHAKE_DURATION);
        this.dnsDuration = handshake.labelValues("dns");
        this.connectDuration = handshake.labelValues("tcp_connect");
        this.downstreamDuration = handshake.labelValues("downstream");
    }

    private StatefulMetric<?, ?> build(MetricCatalog m) {
        String[] labels = m.labels().toArray(String[]::new);
        StatefulMetric<?, ?> metric = switch (m.type()) {
            case COUNTER -> Counter.builder().name(m.metricName()).help(m.help()).labelNames(labels)
                    .withoutExemplars().build();
            case GAUGE -> Gauge.builder().name(m.metricName()).help(m.help()).labelNames(labels)
                    .withoutExemplars().build();
            case HISTOGRAM -> Histogram.builder().name(m.metricName()).help(m.help()).labelNames(labels)
                    .classicOnly()
                    .classicUpperBounds(m == MetricCatalog.REQUEST_DURATION ? ISTIO_DURATION_BUCKETS_MS : HANDSHAKE_BUCKETS_S)
                    .withoutExemplars().build();
        };
        registry.register(metric);
        if (labels.length == 0) {
            // Series without labels are exported from the start, at 0, so rate() has a baseline.
            metric.labelValues();
        }
        return metric;
    }

    Counter counter(MetricCatalog m) {
        return (Counter) metrics.get(m);
    }

    Gauge gauge(MetricCatalog m) {
        return (Gauge) metrics.get(m);
    }

    Histogram histogram(MetricCatalog m) {
        return (Histogram) metrics.get(m);
    }

    LabelBudget budget(String label, int limit) {
        return new LabelBudget(limit, counter(MetricCatalog.LABEL_OVERFLOWS).labelValues(label));
    }

    LabelBudget destinations() {
        return destinations;
    }

    TcpSeries tcpSeries(TcpSeries.Key key) {
        TcpSeries series = tcpSeries.get(key);
        return series != null ? series : tcpSeries.computeIfAbsent(key, k -> new TcpSeries(this, k));
    }

    /** The request series of one label set (bounded cache: {@link RequestSeries#MAX_CACHED}). */
    RequestSeries.Points requestSeries(RequestSeries.Key key) {
        return requestSeries.points(key);
    }

    /** {@code portcullis_open_connections} of one listener. */
    GaugeDataPoint openConnections(String listener) {
        GaugeDataPoint point = openConnections.get(listener);
        return point != null ? point
                : openConnections.computeIfAbsent(listener, l -> gauge(MetricCatalog.OPEN_CONNECTIONS).labelValues(l));
    }

    /** A new connection on {@code listener}: counts it open and returns what observes the rest of its life. */
    public ConnectionObserver connectionOpened(String listener) {
        return new ConnectionMetrics(this, listener);
    }

    public ProtocolMetrics protocols() {
        return protocols;
    }

    /** A DestinationRule's outlier detection ejected {@code endpoint} of {@code destination} (both from configuration). */
    public void outlierEjection(String destination, String endpoint, String detector) {
        counter(MetricCatalog.OUTLIER_EJECTIONS).labelValues(destination, endpoint, detector).inc();
    }

    /** A valid configuration was applied. */
    public void configApplied() {
        counter(MetricCatalog.CONFIG_RELOADS).inc();
    }

    /** A configuration was rejected whole. */
    public void configRejected() {
        counter(MetricCatalog.CONFIG_REJECTIONS).inc();
    }

    /** A listener's accept failed; {@code cause} is {@code fd_limit} or {@code other}. */
    public void acceptFailed(String cause) {
        counter(MetricCatalog.ACCEPT_FAILURES).labelValues(cause).inc();
    }

    /**
     * The resources the Kubernetes source currently skips, by kind; kinds absent from
     * {@code byKind} count zero.
     */
    public void rejectedResources(java.util.Map<String, Integer> byKind, java.util.Collection<String> kinds) {
        for (String kind : kinds) {
            gauge(MetricCatalog.REJECTED_RESOURCES).labelValues(kind).set(byKind.getOrDefault(kind, 0));
        }
    }

    public void dnsLookup(boolean resolved, long nanos) {
        counter(MetricCatalog.DNS_LOOKUPS).inc();
        if (!resolved) {
            counter(MetricCatalog.DNS_FAILURES).inc();
        }
        dnsDuration.observe(seconds(nanos));
    }

    /** An upstream TCP connect attempt finished (either way) after {@code nanos}. */
    public void upstreamConnect(long nanos) {
        connectDuration.observe(seconds(nanos));
    }

    void downstreamEstablished(long nanos) {
        downstreamDuration.observe(seconds(nanos));
    }

    private static double seconds(long nanos) {
        return nanos / (double) TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * The sums over all labels of the connection and byte counters, as {@code /stats/prometheus}
     * shows them; the live view plots their rates. Reads the counters, never resets them.
     */
    public TrafficTotals totals() {
        return new TrafficTotals(sum(MetricCatalog.TCP_CONNECTIONS_OPENED), sum(MetricCatalog.DENIED_CONNECTIONS),
                sum(MetricCatalog.TCP_RECEIVED_BYTES), sum(MetricCatalog.TCP_SENT_BYTES));
    }

    private long sum(MetricCatalog m) {
        double total = 0;
        for (var point : counter(m).collect().getDataPoints()) {
            total += point.getValue();
        }
        return (long) total;
    }

    /** The Prometheus text exposition format (version 0.0.4) of every metric now. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
