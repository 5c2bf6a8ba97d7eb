package io.portcullis.learn;

import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.metrics.TrafficTotals;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns from finished connections, on a thread of its own: {@link #offer} (called by the access
 * log's writer thread, never by an event loop) only puts the record in a bounded queue, and drops
 * it (counted) when the queue is full rather than wait. The learner thread turns each record into
 * an {@link Observation}, keeps it in the {@link RecentConnections} ring, aggregates the candidates
 * (undeclared destinations and AuthorizationPolicy refusals) into the {@link CandidateTable},
 * hands it to the live view's listeners, samples the traffic counters once a second for the plots,
 * and rewrites the state file when something changed, every {@code saveEvery} and on close.
 */
public final class Learner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Learner.class);
    private static final int RATE_SECONDS = 300;

    private final LearnSettings settings;
    private final BlockingQueue<ConnectionRecord> queue;
    private final CandidateTable candidates;
    private final RecentConnections recent;
    private final RateSeries rates = new RateSeries(RATE_SECONDS);
    private final Supplier<TrafficTotals> totals;
    private final LearnStateFile stateFile;
    private final List<Consumer<Observation>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private boolean dirty;

    public Learner(LearnSettings settings, Supplier<TrafficTotals> totals) {
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.candidates = new CandidateTable(settings.maxCandidates());
        this.recent = new RecentConnections(settings.recentConnections());
        this.totals = totals;
        this.stateFile = settings.stateFile() == null ? null : new LearnStateFile(settings.stateFile());
        if (stateFile != null) {
            try {
                List<CandidateView> saved = stateFile.read();
                candidates.restore(saved);
                if (!saved.isEmpty()) {
                    LOG.info("learned destinations: {} restored from {}", candidates.size(), stateFile.path());
                }
            } catch (IOException | RuntimeException e) {
                // A damaged state file costs what was learned, never the start.
                LOG.warn("learned destinations: cannot read {} ({}); starting afresh", stateFile.path(), e.getMessage());
            }
        }
        this.thread = new Thread(this::run, "learner");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a finished connection; never blocks (drops it, counted, when the learner is behind). */
    public void offer(ConnectionRecord record) {
        if (!queue.offer(record)) {
            dropped.incrementAndGet();
        }
    }

    /** Also hands every decided connection to {@code listener}, on the learner thread; it must not block. */
    public void subscribe(Consumer<Observation> listener) {
        listeners.add(listener);
    }

    public void unsubscribe(Consumer<Observation> listener) {
        listeners.remove(listener);
    }

    public CandidateTable candidates() {
        return candidates;
    }

    public RecentConnections recent() {
        return recent;
    }

    public RateSeries rates() {
        return rates;
    }

    public LearnSettings settings() {
        return settings;
    }

    /** Records dropped because the learner was behind. */
    public long dropped() {
        return dropped.get();
    }

    private void run() {
        long nextSample = 0;
        long nextSave = System.nanoTime() + settings.saveEvery().toNanos();
        while (!closed) {
            try {
                // Sleep until a record arrives or the next rate sample is due: one wake-up a second
                // when idle (it was five, on a fixed 200 ms poll), none of them on the event loop's account.
                long untilSample = Math.max(1, nextSample - System.nanoTime());
                ConnectionRecord r = queue.poll(Math.min(untilSample, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                if (r != null) {
                    handle(r);
                    drainQueued();
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("learner: a record could not be learned from", e);
            }
            long now = System.nanoTime();
            if (now >= nextSample) {
                rates.sample(System.currentTimeMillis() / 1000, totals.get());
                nextSample = now + TimeUnit.SECONDS.toNanos(1);
            }
            if (now >= nextSave) {
                saveIfDirty();
                nextSave = now + settings.saveEvery().toNanos();
            }
        }
    }

    private void drainQueued() {
        ConnectionRecord r;
        int n = 0;
        while (n++ < 4096 && (r = queue.poll()) != null) {
            handle(r);
        }
    }

    private void handle(ConnectionRecord r) {
        Observation o = Observation.of(r).orElse(null);
        if (o == null) {
            return;
        }
        recent.add(o);
        if (o.isCandidate()) {
            candidates.add(o);
            dirty = true;
        }
        for (Consumer<Observation> l : listeners) {
            try {
                l.accept(o);
            } catch (RuntimeException e) {
                LOG.debug("live view listener failed", e);
            }
        }
    }

    private void saveIfDirty() {
        if (!dirty || stateFile == null) {
            return;
        }
        try {
            stateFile.write(candidates.snapshot(), System.currentTimeMillis());
            dirty = false;
        } catch (IOException | RuntimeException e) {
            LOG.warn("learned destinations: cannot write {}: {}", stateFile.path(), e.getMessage());
        }
    }

    /** Learns what is still queued, writes the state file, and stops the thread. */
    @Override
    public void close() {
        closed = true;
        // Wakes the poll at once rather than at the next sample (up to a second); what is queued is
        // learned below, on this thread, and the state saved again there.
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainQueued();
        saveIfDirty();
    }
}
