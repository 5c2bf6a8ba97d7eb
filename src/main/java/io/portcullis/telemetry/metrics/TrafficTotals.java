package io.portcullis.telemetry.metrics;

/**
 * Totals of the traffic counters at one moment, summed over their labels.
 *
 * @param connections     {@code istio_tcp_connections_opened_total}: every decided client connection
 * @param denied          {@code portcullis_denied_connections_total}: those refused
 * @param bytesReceived   {@code istio_tcp_received_bytes_total}: bytes from clients
 * @param bytesSent       {@code istio_tcp_sent_bytes_total}: bytes to clients
 */
public record TrafficTotals(long connections, long denied, long bytesReceived, long bytesSent) {
    public static final TrafficTotals ZERO = new TrafficTotals(0, 0, 0, 0);
}
