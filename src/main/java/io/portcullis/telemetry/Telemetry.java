package io.portcullis.telemetry;

import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.SocketAddress;

/**
 * What the data plane reports to: the access log and the metrics. {@link #open} starts a
 * connection's {@link ConnectionLog}, already wired to count itself; writing it to the
 * {@link #accessLog()} when it closes freezes it into the one record both read.
 */
// close() waits for the access log to drain; an interrupt there is the caller's to handle, not hidden here.
@SuppressWarnings("try")
public final class Telemetry implements AutoCloseable {
    private final AccessLog accessLog;
    private final GatewayMetrics metrics;

    public Telemetry(AccessLog accessLog, GatewayMetrics metrics) {
        this.accessLog = accessLog;
        this.metrics = metrics;
    }

    /** A connection accepted on {@code listener}; call on its event loop. */
    public ConnectionLog open(String listener, SocketAddress client, SocketAddress local) {
        return new ConnectionLog(listener, client, local, metrics.connectionOpened(listener), metrics.protocols());
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() throws InterruptedException {
        accessLog.close();
    }
}
