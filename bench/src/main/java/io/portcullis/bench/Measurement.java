package io.portcullis.bench;

import java.util.Optional;

/**
 * One measurement of one row through one target in one round.
 *
 * @param value      the row's figure, in {@link Row#unit}
 * @param p50Micros  median latency (keep-alive rows), else NaN
 * @param p99Micros  99th percentile latency (keep-alive rows), else NaN
 * @param operations how many {@link Row#operation}s were done (for CPU per operation)
 * @param cpuNanos   the proxy's utime + stime over the measurement; 0 for direct
 * @param errors     failed operations (socket errors, non-2xx answers, failed handshakes)
 * @param heapKib    idle rows, JVM targets: live heap per connection after a full collection, else NaN
 * @param jvm        Portcullis targets: the JVM's stops and CPU split per thread during the figure
 */
record Measurement(Row row, String target, int round, double value, double p50Micros, double p99Micros,
                   double operations, long cpuNanos, long errors, double heapKib, Optional<JvmFigures> jvm) {

    /** What the JVM did during one figure: its stops (from the GC/safepoint log) and which threads used the CPU. */
    record JvmFigures(JvmLog.Events events, ThreadCpu.Split threads) {
    }

    Measurement(Row row, String target, int round, double value, double p50Micros, double p99Micros,
                double operations, long cpuNanos, long errors) {
        this(row, target, round, value, p50Micros, p99Micros, operations, cpuNanos, errors, Double.NaN, Optional.empty());
    }

    Measurement(Row row, String target, int round, double value, double p50Micros, double p99Micros,
                double operations, long cpuNanos, long errors, double heapKib) {
        this(row, target, round, value, p50Micros, p99Micros, operations, cpuNanos, errors, heapKib, Optional.empty());
    }

    Measurement withJvm(JvmFigures figures) {
        return new Measurement(row, target, round, value, p50Micros, p99Micros, operations, cpuNanos, errors, heapKib,
                Optional.of(figures));
    }

    /** Proxy CPU microseconds per operation, or NaN where there is no proxy or no operation. */
    double cpuMicrosPerOperation() {
        return cpuNanos == 0 || operations <= 0 ? Double.NaN : cpuNanos / 1_000.0 / operations;
    }
}
