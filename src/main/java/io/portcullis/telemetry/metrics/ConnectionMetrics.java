package io.portcullis.telemetry.metrics;

import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionLog;
import io.portcullis.telemetry.ConnectionObserver;
import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.Destination;
import io.portcullis.telemetry.ResponseFlags;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;

/**
 * One connection's metrics. Its Istio TCP labels are fixed when it is first decided (or, for a
 * connection that never was, when it closes), so {@code opened} and the byte counters of one
 * connection always land in one series; bytes counted before the decision are added then.
 * Runs on the connection's event loop.
 */
final class ConnectionMetrics implements ConnectionObserver {
    static final String REPORTER = TcpSeries.REPORTER;

    private final GatewayMetrics metrics;
    private final GaugeDataPoint open;
    private boolean opened;
    private long pendingFromClient;
    private long pendingToClient;
    private CounterDataPoint received;
    private CounterDataPoint sent;
    private TcpSeries.Key openedKey;
    private TcpSeries series;

    ConnectionMetrics(GatewayMetrics metrics, String listener) {
        this.metrics = metrics;
        this.open = metrics.openConnections(listener);
        open.inc();
    }

    @Override
    public void decided(ConnectionLog log) {
        open(tcpKey(log.destination(), log.sourcePrincipal(), ResponseFlags.of(log.reason())));
    }

    private void open(TcpSeries.Key key) {
        opened = true;
        openedKey = key;
        series = metrics.tcpSeries(key);
        series.opened().inc();
        received = series.received();
        sent = series.sent();
        received.inc(pendingFromClient);
        sent.inc(pendingToClient);
    }

    @Override
    public void authzDryRun(String policy, String result) {
        metrics.counter(MetricCatalog.AUTHZ_DRY_RUN).labelValues(policy, result).inc();
    }

    @Override
    public void bytesFromClient(long n) {
        if (received != null) {
            received.inc(n);
        } else {
            pendingFromClient += n;
        }
    }

    @Override
    public void bytesToClient(long n) {
        if (sent != null) {
            sent.inc(n);
        } else {
            pendingToClient += n;
        }
    }

    @Override
    public void established(long nanos) {
        metrics.downstreamEstablished(nanos);
    }

    @Override
    public void responded(ConnectionLog log, int status, long nanos) {
        Destination d = log.destination();
        RequestSeries.Points points = metrics.requestSeries(new RequestSeries.Key(service(d), serviceName(d), d.port(),
                log.sourcePrincipal(), status, log.responseFlags()));
        points.requests().inc();
        points.duration().observe(nanos / 1_000_000.0);
    }

    @Override
    public void closed(ConnectionRecord r) {
        String principal = "-".equals(r.sourcePrincipal()) ? null : r.sourcePrincipal();
        TcpSeries.Key key = tcpKey(r.destination(), principal, r.responseFlags());
        if (!opened) {
            open(key);
        }
        // The flags may have changed since the decision (an upstream failure): another series then.
        (key.equals(openedKey) ? series : metrics.tcpSeries(key)).closed().inc();
        open.dec();
        Reason reason = r.reason();
        if (ResponseFlags.isDenial(reason)) {
            metrics.counter(MetricCatalog.DENIED_CONNECTIONS).labelValues(reason.code(), service(r.destination())).inc();
        } else if (reason != null && reason.isUpstreamFailure()) {
            metrics.counter(MetricCatalog.UPSTREAM_FAILURES).labelValues(reason.code(), service(r.destination())).inc();
        }
    }

    private TcpSeries.Key tcpKey(Destination d, String principal, String flags) {
        return new TcpSeries.Key(service(d), serviceName(d), d.port(), principal, flags);
    }

    /** A declared host as it is; a name a client chose through the budget. */
    private String service(Destination d) {
        return d.declared() || Destination.UNKNOWN.equals(d.service()) ? d.service() : metrics.destinations().admit(d.service());
    }

    /** Istio's short name: the host for a ServiceEntry, the pseudo-cluster for undeclared traffic. */
    private static String serviceName(Destination d) {
        if (d.declared()) {
            return d.service();
        }
        return d.equals(Destination.NONE) || "-".equals(d.cluster()) ? Destination.UNKNOWN : d.cluster();
    }

}
