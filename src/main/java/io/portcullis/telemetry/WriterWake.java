package io.portcullis.telemetry;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How the access-log writer sleeps while there is nothing to write, and how the first record to
 * arrive wakes it: one flag, {@code asleep}, and {@link LockSupport}. A producer (an event loop)
 * pays a volatile read per record, and a futex wake only when it is the one that finds the writer
 * asleep; it never blocks.
 *
 * <p>No wake-up is lost. The writer says it is asleep, then looks at the queue once more, then
 * parks; a producer enqueues, then looks at the flag. Both are sequentially consistent operations
 * (a volatile write and read, the queue's own), so of a writer about to park and a record just
 * enqueued, at least one sees the other: either the writer finds the record and does not park,
 * or the producer finds the flag and unparks it (a permit given before {@code park} makes it
 * return at once). Only the producer whose compare-and-set clears the flag unparks, so one wake
 * per sleep, however many records race in. A spurious return from {@code park} goes back to
 * sleep while there is still nothing to do.
 */
final class WriterWake {
    private final Thread writer;
    private final AtomicBoolean asleep = new AtomicBoolean();

    WriterWake(Thread writer) {
        this.writer = writer;
    }

    /** After a record was queued, on the producer's thread: wakes the writer if it sleeps, once. */
    void recordQueued() {
        if (asleep.get() && asleep.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
    }

    /** On the writer thread: sleeps until {@code work} (records queued, or closing) is true. */
    void sleepUntilQueued(BooleanSupplier work) {
        asleep.set(true);
        while (asleep.get() && !work.getAsBoolean()) {
            LockSupport.park(this);
        }
        asleep.set(false);
    }
}
