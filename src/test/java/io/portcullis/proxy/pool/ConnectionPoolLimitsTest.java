package io.portcullis.proxy.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConnectionPoolLimitsTest {

    @Test
    void slotsAreCountedPerDestinationAndReleasedOnce() {
        ConnectionPoolLimits limits = new ConnectionPoolLimits();
        Optional<ConnectionPoolLimits.Slot> a = limits.tryOpen("api.example.test:443", 1);
        assertThat(a).isPresent();
        assertThat(limits.tryOpen("api.example.test:443", 1)).isEmpty();
        assertThat(limits.tryOpen("other.example.test:443", 1)).isPresent();
        a.get().release();
        a.get().release();
        assertThat(limits.open("api.example.test:443")).isZero();
        assertThat(limits.tryOpen("api.example.test:443", 1)).isPresent();
        assertThat(limits.tryOpen("api.example.test:443", 1)).isEmpty();
    }

    @Test
    void manyThreadsNeverHoldMoreThanTheLimit() throws Exception {
        ConnectionPoolLimits limits = new ConnectionPoolLimits();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 10_000; i++) {
                    Optional<ConnectionPoolLimits.Slot> s = limits.tryOpen("d", 3);
                    if (s.isPresent()) {
                        peak.accumulateAndGet(held.incrementAndGet(), Math::max);
                        held.decrementAndGet();
                        s.get().release();
                    }
                }
                done.countDown();
            });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(peak.get()).isBetween(1, 3);
        assertThat(limits.open("d")).isZero();
    }

    @Test
    void waitersAreBoundedAndWokenInOrderOnTheirOwnLoopAsSlotsFree() throws Exception {
        ConnectionPoolLimits limits = new ConnectionPoolLimits();
        EventLoop loop = new DefaultEventLoop();
        try {
            ConnectionPoolLimits.Slot only = limits.tryOpen("d", 1).orElseThrow();
            ConcurrentLinkedQueue<String> woken = new ConcurrentLinkedQueue<>();
            List<Boolean> queued = new ArrayList<>();
            for (String name : List.of("first", "second", "third")) {
                queued.add(limits.await("d", 1, 2, loop, () -> {
                    assertThat(loop.inEventLoop()).isTrue();
                    woken.add(name);
                }));
            }
            assertThat(queued).containsExactly(true, true, false);
            assertThat(limits.hasWaiters("d")).isTrue();
            only.release();
            await().atMost(Duration.ofSeconds(20)).until(() -> woken.size() == 1);
            assertThat(woken).containsExactly("first");
            limits.tryOpen("d", 1).orElseThrow().release();
            await().atMost(Duration.ofSeconds(20)).until(() -> woken.size() == 2);
            assertThat(woken).containsExactly("first", "second");
            assertThat(limits.hasWaiters("d")).isFalse();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWaiterQueuedAfterASlotFreedIsWokenAtOnce() throws Exception {
        ConnectionPoolLimits limits = new ConnectionPoolLimits();
        EventLoop loop = new DefaultEventLoop();
        try {
            ConnectionPoolLimits.Slot one = limits.tryOpen("d", 2).orElseThrow();
            ConnectionPoolLimits.Slot two = limits.tryOpen("d", 2).orElseThrow();
            // The caller's tryOpen failed, then a slot freed before it queued: nobody else would wake it.
            two.release();
            CountDownLatch woken = new CountDownLatch(1);
            assertThat(limits.await("d", 2, 5, loop, woken::countDown)).isTrue();
            assertThat(woken.await(20, TimeUnit.SECONDS)).isTrue();
            one.release();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
