package io.portcullis.proxy.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.UpstreamSettings;
import io.portcullis.policy.UpstreamTarget.Candidate;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointBalancerTest {
    private static final Candidate A = endpoint(8081);
    private static final Candidate B = endpoint(8082);
    private static final Candidate C = endpoint(8083);
    private static final List<Candidate> ALL = List.of(A, B, C);

    private static Candidate endpoint(int port) {
        return Candidate.ofAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static UpstreamSettings settings(String balancer, Optional<OutlierDetection> od) {
        return new UpstreamSettings("api.example.test:80", new ResourceId("DestinationRule", "default", "api"),
                Optional.empty(), Optional.empty(), Optional.ofNullable(balancer), od);
    }

    private static OutlierDetection gatewayErrors(int count, Duration base, int percent) {
        return new OutlierDetection(OptionalInt.empty(), OptionalInt.of(count), base, percent);
    }

    @Test
    void roundRobinStartsAtTheNextEndpointEachTime() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings("ROUND_ROBIN", Optional.empty());
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
        assertThat(b.order(ALL, s)).containsExactly(C, A, B);
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
    }

    @Test
    void withoutABalancerTheDeclaredOrderStays() {
        EndpointBalancer b = new EndpointBalancer();
        assertThat(b.order(ALL, settings(null, Optional.empty()))).containsExactly(A, B, C);
        assertThat(b.order(ALL, settings(null, Optional.empty()))).containsExactly(A, B, C);
    }

    @Test
    void randomStartsEverywhereSometimes() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings("RANDOM", Optional.empty());
        Set<Candidate> firsts = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            List<Candidate> order = b.order(ALL, s);
            assertThat(order).containsExactlyInAnyOrder(A, B, C);
            firsts.add(order.get(0));
        }
        assertThat(firsts).containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void leastRequestPrefersTheEndpointWithFewestOpenConnections() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings("LEAST_REQUEST", Optional.empty());
        EmbeddedChannel toA = new EmbeddedChannel();
        EmbeddedChannel toB = new EmbeddedChannel();
        b.connected(s, A, toA);
        b.connected(s, B, toB);
        assertThat(b.order(ALL, s).get(0)).isEqualTo(C);
        EmbeddedChannel toC = new EmbeddedChannel();
        b.connected(s, C, toC);
        toB.close();
        // Round robin would start at A or B by turn; B has no open connection left.
        assertThat(b.order(ALL, s).get(0)).isEqualTo(B);
        toA.close();
        toC.close();
    }

    @Test
    void consecutiveConnectFailuresEjectAnEndpointToTheEndWithinTheEjectionLimit() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings(null, Optional.of(gatewayErrors(2, Duration.ofMinutes(5), 50)));
        b.failed(s, A, 3);
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
        b.failed(s, A, 3);
        assertThat(b.ejected(s, A)).isTrue();
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
        // 50 % of three endpoints is one: B stays in while A is out.
        b.failed(s, B, 3);
        b.failed(s, B, 3);
        assertThat(b.ejected(s, B)).isFalse();
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
    }

    @Test
    void aSuccessEndsTheStreak() {
        EndpointBalancer b = new EndpointBalancer();
        UpstreamSettings s = settings(null, Optional.of(gatewayErrors(2, Duration.ofMinutes(5), 100)));
        b.failed(s, A, 3);
        EmbeddedChannel ch = new EmbeddedChannel();
        b.connected(s, A, ch);
        b.failed(s, A, 3);
        assertThat(b.ejected(s, A)).isFalse();
        ch.close();
    }

    @Test
    void fiveHundredsCountForTheFiveHundredDetectorAndGatewayErrorsForBoth() {
        List<EndpointBalancer.Ejection> seen = new ArrayList<>();
        EndpointBalancer b = new EndpointBalancer(seen::add, () -> 0L);
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(OptionalInt.of(3), OptionalInt.of(2),
                Duration.ofSeconds(30), 100)));
        // 500 is no gateway error: it ends that streak, and lengthens the 5xx one.
        b.observe(s, A, 3, 503);
        b.observe(s, A, 3, 500);
        assertThat(b.ejected(s, A)).isFalse();
        b.observe(s, A, 3, 404);
        assertThat(b.ejected(s, A)).isFalse();
        b.observe(s, A, 3, 500);
        b.observe(s, A, 3, 500);
        b.observe(s, A, 3, 500);
        assertThat(b.ejected(s, A)).isTrue();
        b.observe(s, B, 3, 504);
        b.failed(s, B, 3);
        assertThat(b.ejected(s, B)).isTrue();
        assertThat(seen).extracting(EndpointBalancer.Ejection::detector)
                .containsExactly("consecutive_5xx", "consecutive_gateway_errors");
        assertThat(seen.get(0).streak()).isEqualTo(3);
        assertThat(seen.get(0).destination()).isEqualTo("api.example.test:80");
    }

    @Test
    void aSuccessfulAnswerEndsTheStreakAndAConnectAloneDoesNotForHttp() {
        EndpointBalancer b = new EndpointBalancer(e -> { }, () -> 0L);
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(OptionalInt.of(2), OptionalInt.empty(),
                Duration.ofSeconds(30), 100)));
        b.observe(s, A, 3, 503);
        b.observe(s, A, 3, 200);
        b.observe(s, A, 3, 503);
        assertThat(b.ejected(s, A)).isFalse();
        EmbeddedChannel ch = new EmbeddedChannel();
        b.opened(s, A, ch);
        b.observe(s, A, 3, 503);
        assertThat(b.ejected(s, A)).isTrue();
        ch.close();
    }

    @Test
    void anEjectedEndpointComesBackAfterItsTimeWhichGrowsWithEachEjection() {
        AtomicLong now = new AtomicLong();
        EndpointBalancer b = new EndpointBalancer(e -> { }, now::get);
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(OptionalInt.of(1), OptionalInt.empty(),
                Duration.ofSeconds(10), 100)));
        b.observe(s, A, 3, 500);
        assertThat(b.order(ALL, s)).containsExactly(B, C, A);
        now.set(Duration.ofSeconds(10).toNanos() - 1);
        assertThat(b.ejected(s, A)).isTrue();
        now.set(Duration.ofSeconds(10).toNanos());
        assertThat(b.ejected(s, A)).isFalse();
        assertThat(b.order(ALL, s)).containsExactly(A, B, C);
        // The second ejection lasts twice the base time.
        b.observe(s, A, 3, 500);
        now.addAndGet(Duration.ofSeconds(20).toNanos() - 1);
        assertThat(b.ejected(s, A)).isTrue();
        now.incrementAndGet();
        assertThat(b.ejected(s, A)).isFalse();
    }

    /**
     * Envoy's backoff decays: one less for each {@code interval} the endpoint stays in service after
     * an ejection ends, never below zero; the next ejection lasts the base times the decayed
     * multiplier plus one.
     */
    @Test
    void theEjectionMultiplierDropsByOneForEachIntervalInService() {
        AtomicLong now = new AtomicLong();
        List<EndpointBalancer.Ejection> seen = new ArrayList<>();
        EndpointBalancer b = new EndpointBalancer(seen::add, now::get);
        Duration base = Duration.ofSeconds(10);
        Duration interval = Duration.ofSeconds(3);
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(OptionalInt.of(1), OptionalInt.empty(),
                base, 100, interval)));
        // Three ejections back to back: 10 s, 20 s, 30 s.
        for (int i = 0; i < 3; i++) {
            b.observe(s, A, 3, 500);
            now.addAndGet(seen.get(i).time().toNanos());
        }
        assertThat(seen).extracting(EndpointBalancer.Ejection::time)
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30));
        // In service for one interval less a nanosecond: nothing decays yet; the fourth is 40 s.
        now.addAndGet(interval.toNanos() - 1);
        b.observe(s, A, 3, 500);
        assertThat(seen.get(3).time()).isEqualTo(Duration.ofSeconds(40));
        now.addAndGet(seen.get(3).time().toNanos());
        // Two whole intervals in service: 4 - 2 + 1 = 3.
        now.addAndGet(interval.multipliedBy(2).toNanos());
        b.observe(s, A, 3, 500);
        assertThat(seen.get(4).time()).isEqualTo(Duration.ofSeconds(30));
        now.addAndGet(seen.get(4).time().toNanos());
        // Long in service: back to the base time, never less.
        now.addAndGet(interval.multipliedBy(100).toNanos());
        b.observe(s, A, 3, 500);
        assertThat(seen.get(5).time()).isEqualTo(base);
    }

    /**
     * Envoy's {@code max_ejection_time} (300 s unless the base is longer) caps both the ejection
     * time and the multiplier's growth, so an endpoint that failed for hours is not out for hours
     * more after it recovers: its multiplier decays from the cap, not from its count of ejections.
     */
    @Test
    void theMultiplierStopsGrowingAtTheCap() {
        AtomicLong now = new AtomicLong();
        List<EndpointBalancer.Ejection> seen = new ArrayList<>();
        EndpointBalancer b = new EndpointBalancer(seen::add, now::get);
        Duration interval = Duration.ofSeconds(10);
        UpstreamSettings s = settings(null, Optional.of(new OutlierDetection(OptionalInt.of(1), OptionalInt.empty(),
                Duration.ofSeconds(100), 100, interval)));
        for (int i = 0; i < 20; i++) {
            b.observe(s, A, 3, 500);
            now.addAndGet(seen.get(i).time().toNanos());
        }
        assertThat(seen.get(19).time()).isEqualTo(Duration.ofSeconds(300));
        // The multiplier stopped at 4 (100 s x 4 is not under 300 s + 100 s): two intervals take it to 2, then 3.
        now.addAndGet(interval.multipliedBy(2).toNanos());
        b.observe(s, A, 3, 500);
        assertThat(seen.get(20).time()).isEqualTo(Duration.ofSeconds(300));
        now.addAndGet(seen.get(20).time().toNanos() + interval.multipliedBy(2).toNanos());
        b.observe(s, A, 3, 500);
        assertThat(seen.get(21).time()).isEqualTo(Duration.ofSeconds(200));
        // A base over 300 s is its own cap.
        EndpointBalancer longer = new EndpointBalancer(seen::add, now::get);
        UpstreamSettings slow = settings(null, Optional.of(new OutlierDetection(OptionalInt.of(1), OptionalInt.empty(),
                Duration.ofMinutes(10), 100, interval)));
        longer.observe(slow, A, 3, 500);
        assertThat(seen.get(22).time()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aTimeoutBeforeTheAnswerIsAGatewayError() {
        List<EndpointBalancer.Ejection> seen = new ArrayList<>();
        EndpointBalancer b = new EndpointBalancer(seen::add, () -> 0L);
        UpstreamSettings s = settings(null, Optional.of(gatewayErrors(2, Duration.ofSeconds(30), 100)));
        b.observe(s, A, 3, EndpointBalancer.LOCAL_TIMEOUT);
        b.observe(s, A, 3, EndpointBalancer.LOCAL_TIMEOUT);
        assertThat(b.ejected(s, A)).isTrue();
        assertThat(seen).extracting(EndpointBalancer.Ejection::detector).containsExactly("consecutive_gateway_errors");
    }
}
