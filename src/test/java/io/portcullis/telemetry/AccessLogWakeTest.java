package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.policy.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The access-log writer sleeps while there is nothing to write (no tick) and the first record
 * wakes it; no record is ever left behind by a writer that fell asleep as it arrived.
 */
class AccessLogWakeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static ConnectionRecord record(int n) {
        return new ConnectionRecord(Instant.now(), 1, "tcp_5432", "127.0.0.1:" + (10000 + n % 50000), "127.0.0.1:5432",
                "-", "-", "-", 0, "-", "-", "-", "-", "-", Reason.NO_SERVICE_ENTRY, "none", null, Destination.NONE,
                "-", "-", 0, 0, 0, "-", "-", "-");
    }

    private static PrintStream nowhere() {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
            }
        });
    }

    @Test
    void anIdleWriterSleepsWithoutATimerAndTheFirstRecordWakesIt() throws Exception {
        AccessLog log = AccessLog.toStdout(nowhere());
        try {
            AtomicInteger seen = new AtomicInteger();
            log.onRecord(r -> seen.incrementAndGet());
            // WAITING, not TIMED_WAITING: parked with no deadline, so it costs nothing while nothing comes.
            await().atMost(PATIENCE).until(() -> log.writerThread().getState() == Thread.State.WAITING);

            log.write(record(1));

            await().atMost(PATIENCE).until(() -> seen.get() == 1);
            await().atMost(PATIENCE).until(() -> log.writerThread().getState() == Thread.State.WAITING);
            log.write(record(2));
            await().atMost(PATIENCE).until(() -> seen.get() == 2);
        } finally {
            log.close();
        }
    }

    @Test
    void manyProducersRacingTheWriterIntoSleepLoseNoRecord() throws Exception {
        int producers = 8;
        int rounds = 150;
        int perRound = 3;
        AccessLog log = AccessLog.toStdout(nowhere());
        AtomicInteger seen = new AtomicInteger();
        log.onRecord(r -> seen.incrementAndGet());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Each round starts when the previous one was all written: the writer is then going to sleep or asleep.
        CyclicBarrier roundStart = new CyclicBarrier(producers + 1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < producers; t++) {
            Thread p = new Thread(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        roundStart.await();
                        // Spread the records over the writer's decision to sleep: from at once to past its tick.
                        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(25)));
                        for (int i = 0; i < perRound; i++) {
                            log.write(record(r * 100 + i));
                        }
                    }
                } catch (Exception e) {
                    failure.set(e);
                }
            }, "producer-" + t);
            p.start();
            threads.add(p);
        }
        try {
            for (int r = 1; r <= rounds; r++) {
                roundStart.await(30, TimeUnit.SECONDS);
                int expected = r * producers * perRound;
                await().atMost(PATIENCE).until(() -> seen.get() >= expected);
                assertThat(seen.get()).isEqualTo(expected);
            }
            for (Thread p : threads) {
                p.join(30_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(seen.get()).isEqualTo(rounds * producers * perRound);
        } finally {
            log.close();
        }
    }
}
