package io.portcullis.proxy.pool;

import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code connectionPool} limits of every destination, counted across all event loops of the
 * gateway: open upstream connections ({@code tcp.maxConnections}) and HTTP requests waiting for one
 * ({@code http.http1MaxPendingRequests}). Thread-safe without locks: counters are atomics, a waiter
 * is told on its own event loop when a connection to its destination closes.
 *
 * <p>Destinations are keyed by {@link io.portcullis.policy.UpstreamSettings#destination()}; the
 * limit itself comes with each call, so a configuration change applies to the next connection.
 */
public final class ConnectionPoolLimits {
    private final Map<String, Counts> byDestination = new ConcurrentHashMap<>();

    /** A connection slot held until {@link #release}; releasing twice is harmless. */
    public static final class Slot {
        private final Counts counts;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(Counts counts) {
            this.counts = counts;
        }

        /** Frees the slot and wakes the oldest waiter for the destination, on its own loop. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                counts.open.decrementAndGet();
                counts.wakeOne();
            }
        }
    }

    /** Takes a connection slot for {@code destination}; empty when {@code max} connections are open already. */
    public Optional<Slot> tryOpen(String destination, int max) {
        Counts c = counts(destination);
        while (true) {
            int now = c.open.get();
            if (now >= max) {
                return Optional.empty();
            }
            if (c.open.compareAndSet(now, now + 1)) {
                return Optional.of(new Slot(c));
            }
        }
    }

    /**
     * Queues {@code retry} to run on {@code loop} once a connection to {@code destination} closes
     * (at once when fewer than {@code maxConnections} are open by now); false, and nothing queued,
     * when {@code maxPending} requests wait already.
     */
    public boolean await(String destination, int maxConnections, int maxPending, EventExecutor loop, Runnable retry) {
        Counts c = counts(destination);
        while (true) {
            int now = c.waiting.get();
            if (now >= maxPending) {
                return false;
            }
            if (c.waiting.compareAndSet(now, now + 1)) {
                c.waiters.add(new Waiter(loop, retry));
                // A slot may have been freed between the caller's failed attempt and the queueing.
                if (c.open.get() < maxConnections) {
                    c.wakeOne();
                }
                return true;
            }
        }
    }

    /** Whether requests wait for a connection to {@code destination}. */
    public boolean hasWaiters(String destination) {
        Counts c = byDestination.get(destination);
        return c != null && c.waiting.get() > 0;
    }

    /** Connections open to {@code destination} now (for tests and the operational view). */
    public int open(String destination) {
        Counts c = byDestination.get(destination);
        return c == null ? 0 : c.open.get();
    }

    private Counts counts(String destination) {
        Counts c = byDestination.get(destination);
        return c != null ? c : byDestination.computeIfAbsent(destination, d -> new Counts());
    }

    private record Waiter(EventExecutor loop, Runnable retry) {
    }

    private static final class Counts {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger waiting = new AtomicInteger();
        final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();

        void wakeOne() {
            Waiter w = waiters.poll();
            if (w != null) {
                waiting.decrementAndGet();
                w.loop().execute(w.retry());
            }
        }
    }
}
