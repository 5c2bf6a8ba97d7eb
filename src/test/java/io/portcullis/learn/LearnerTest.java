package io.portcullis.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.policy.Reason;
import io.portcullis.telemetry.metrics.TrafficTotals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnerTest {
    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");

    private static LearnSettings settings(Path state, int queue) {
        return new LearnSettings(100, 50, state, Duration.ofHours(1), queue);
    }

    @Test
    void learnsOffTheCallersThreadKeepsTheRecentRingAndSavesOnClose(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("portcullis-state").resolve("egress-learned.json");
        List<Observation> live = new CopyOnWriteArrayList<>();
        Learner learner = new Learner(settings(state, 1000), () -> TrafficTotals.ZERO);
        learner.subscribe(live::add);
        learner.offer(Records.proxied(T0, "api.example.com:443", "CONNECT", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        learner.offer(Records.proxied(T0, "declared.example.com:443", "CONNECT", Reason.DECLARED, "10.0.0.1", null));
        await().atMost(Duration.ofSeconds(20)).until(() -> live.size() == 2);
        assertThat(learner.candidates().size()).isEqualTo(1);
        assertThat(learner.recent().snapshot()).hasSize(2);
        assertThat(Files.exists(state)).as("written on close, not yet").isFalse();
        learner.close();
        assertThat(Files.exists(state)).isTrue();

        Learner again = new Learner(settings(state, 1000), () -> TrafficTotals.ZERO);
        try {
            assertThat(again.candidates().snapshot()).extracting(CandidateView::destination)
                    .containsExactly("api.example.com");
            assertThat(again.recent().snapshot()).as("the ring is not persisted").isEmpty();
        } finally {
            again.close();
        }
    }

    @Test
    void theRingsObservationsShareOneCopyOfEachRepeatedText() throws Exception {
        Learner learner = new Learner(settings(null, 1000), () -> TrafficTotals.ZERO);
        try {
            for (int i = 0; i < 3; i++) {
                // new String: each record formats its own texts, as the access log does per connection
                learner.offer(Records.proxied(T0.plusSeconds(i), new String("api.example.com:443"), "CONNECT",
                        Reason.DECLARED, new String("10.0.0.1"), null));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> learner.recent().snapshot().size() == 3);
            List<Observation> kept = learner.recent().snapshot();
            assertThat(kept.get(1).host()).isSameAs(kept.get(0).host());
            assertThat(kept.get(2).host()).isSameAs(kept.get(0).host());
            assertThat(kept.get(2).sourceIp()).isSameAs(kept.get(0).sourceIp());
            assertThat(kept.get(2).listener()).isSameAs(kept.get(0).listener());
        } finally {
            learner.close();
        }
    }

    @Test
    void theRecentRingKeepsTheLastConnectionsOnly() {
        RecentConnections ring = new RecentConnections(3);
        for (int i = 0; i < 5; i++) {
            ring.add(Observation.of(Records.proxied(T0.plusSeconds(i), "h" + i + ".example.com:443", "CONNECT",
                    Reason.DECLARED, "10.0.0.1", null)).orElseThrow());
        }
        assertThat(ring.snapshot()).extracting(Observation::host)
                .containsExactly("h2.example.com", "h3.example.com", "h4.example.com");
        assertThat(ring.total()).isEqualTo(5);
    }

    @Test
    void theRingGivesBackEveryFieldOfWhatItKept() {
        RecentConnections ring = new RecentConnections(2);
        Observation allowed = new Observation(1L, "tls_443", "api.example.com", "203.0.113.7", 443, SeenProtocol.TLS,
                "api.example.com", "spiffe://td/ns/shop/sa/web", "10.0.0.1", "127.0.0.1:443", true, Reason.DECLARED,
                null, "ServiceEntry/shop/api", false, 1234L, 5678L);
        Observation refused = new Observation(2L, "proxy_3128", null, "198.51.100.9", 6379, SeenProtocol.TCP,
                null, null, "10.0.0.2", "127.0.0.1:3128", false, Reason.NO_SERVICE_ENTRY,
                "no ServiceEntry allows 198.51.100.9:6379", null, true, 0L, 0L);
        ring.add(allowed);
        assertThat(ring.snapshot()).containsExactly(allowed);
        ring.add(refused);
        ring.add(allowed);
        assertThat(ring.snapshot()).containsExactly(refused, allowed);
        assertThat(ring.total()).isEqualTo(3);
    }

    @Test
    void aDamagedStateFileIsAFreshStartNotAFailure(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("learned.json");
        Files.writeString(state, "{not json");
        Learner learner = new Learner(settings(state, 10), () -> TrafficTotals.ZERO);
        try {
            assertThat(learner.candidates().size()).isZero();
        } finally {
            learner.close();
        }
    }

    @Test
    void ratesAreTheDifferencesOfTheCounters() {
        RateSeries rates = new RateSeries(3);
        rates.sample(100, new TrafficTotals(10, 2, 1000, 500));
        rates.sample(101, new TrafficTotals(15, 3, 1600, 900));
        assertThat(rates.points()).containsExactly(new RateSeries.Point(101, 4, 1, 1000));
    }

    @Test
    void defaultStateFileIsBesideTheConfigurationFolder() {
        assertThat(LearnSettings.defaultStateFile(Path.of("/srv/gw/egress")))
                .isEqualTo(Path.of("/srv/gw/portcullis-state/egress-learned.json"));
    }
}
