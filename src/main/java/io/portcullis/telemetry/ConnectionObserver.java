package io.portcullis.telemetry;

/**
 * Receives the moments of one connection's life that metrics count as they happen, on the
 * connection's event loop. Implementations must be cheap and must not block.
 */
public interface ConnectionObserver {
    ConnectionObserver NONE = new ConnectionObserver() {
    };

    /** The first decision was made; {@code log} now names the destination. */
    default void decided(ConnectionLog log) {
    }

    /**
     * An {@code istio.io/dry-run} AuthorizationPolicy set would have decided {@code result}
     * ({@code allowed}/{@code denied}); {@code policy} names the deciding policy, {@code -} if none.
     */
    default void authzDryRun(String policy, String result) {
    }

    default void bytesFromClient(long n) {
    }

    default void bytesToClient(long n) {
    }

    /** Bytes started to flow both ways, {@code nanos} after the client connected. */
    default void established(long nanos) {
    }

    /** An HTTP exchange ended with {@code status} sent to the client, {@code nanos} after its request head arrived. */
    default void responded(ConnectionLog log, int status, long nanos) {
    }

    /** The connection closed; called once, with its frozen record. */
    default void closed(ConnectionRecord record) {
    }
}
