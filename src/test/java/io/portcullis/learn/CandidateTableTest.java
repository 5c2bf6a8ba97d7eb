package io.portcullis.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CandidateTableTest {
    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");

    private static Observation obs(int second, String requested, Reason reason, String client, String principal) {
        return Observation.of(Records.proxied(T0.plusSeconds(second), requested, "CONNECT", reason, client, principal))
                .orElseThrow();
    }

    @Test
    void aggregatesUndeclaredConnectionsByDestinationAndPortWithCallersCountsAndReasons() {
        CandidateTable t = new CandidateTable(100);
        t.add(obs(0, "api.example.com:443", Reason.UNDECLARED_ALLOWED, "10.0.0.1", null));
        t.add(obs(5, "api.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.2",
                "spiffe://cluster.local/ns/shop/sa/orders"));
        t.add(obs(9, "api.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.2",
                "spiffe://cluster.local/ns/shop/sa/orders"));
        t.add(obs(7, "10.1.2.3:6379", Reason.UNDECLARED_ALLOWED, "10.0.0.1", null));

        List<CandidateView> all = t.snapshot();
        assertThat(all).extracting(CandidateView::destination).containsExactly("api.example.com", "10.1.2.3");
        CandidateView api = all.get(0);
        assertThat(api.named()).isTrue();
        assertThat(api.port()).isEqualTo(443);
        assertThat(api.protocols()).containsExactly(SeenProtocol.TLS);
        assertThat(api.count()).isEqualTo(3);
        assertThat(api.allowed()).isEqualTo(1);
        assertThat(api.denied()).isEqualTo(2);
        assertThat(api.firstSeen()).isEqualTo(T0.toEpochMilli());
        assertThat(api.lastSeen()).isEqualTo(T0.plusSeconds(9).toEpochMilli());
        assertThat(api.reasons()).containsExactly("no_service_entry", "undeclared_allowed");
        assertThat(api.message()).isEqualTo("no ServiceEntry allows api.example.com:443");
        assertThat(api.callers()).extracting(CandidateView.CallerView::label)
                .containsExactly("spiffe://cluster.local/ns/shop/sa/orders", "10.0.0.1");
        assertThat(api.callers().get(0).namespace()).isEqualTo("shop");
        CandidateView redis = all.get(1);
        assertThat(redis.named()).isFalse();
        assertThat(redis.protocols()).containsExactly(SeenProtocol.TCP);
    }

    @Test
    void declaredConnectionsAreNotCandidates() {
        assertThat(obs(0, "api.example.com:443", Reason.DECLARED, "10.0.0.1", null).isCandidate()).isFalse();
        assertThat(obs(0, "api.example.com:443", Reason.UNDECLARED_ALLOWED, "10.0.0.1", null).isCandidate()).isTrue();
    }

    @Test
    void pastTheLimitTheLeastRecentlySeenIsEvicted() {
        CandidateTable t = new CandidateTable(3);
        t.add(obs(0, "a.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        t.add(obs(1, "b.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        t.add(obs(2, "c.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        t.add(obs(3, "a.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        t.add(obs(4, "d.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.evicted()).isEqualTo(1);
        assertThat(t.snapshot()).extracting(CandidateView::destination)
                .containsExactlyInAnyOrder("a.example.com", "c.example.com", "d.example.com");
    }

    @Test
    void callersPerCandidateAreBounded() {
        CandidateTable t = new CandidateTable(3);
        for (int i = 0; i < Candidate.MAX_CALLERS + 10; i++) {
            t.add(obs(i, "a.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.1." + i, null));
        }
        CandidateView v = t.snapshot().get(0);
        assertThat(v.callers()).hasSize(Candidate.MAX_CALLERS);
        assertThat(v.count()).isEqualTo(Candidate.MAX_CALLERS + 10);
        assertThat(v.callers()).extracting(CandidateView.CallerView::address).contains("10.0.1." + (Candidate.MAX_CALLERS + 9))
                .doesNotContain("10.0.1.0");
    }

    @Test
    void candidatesSurviveARestartThroughTheStateFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state").resolve("learned.json");
        CandidateTable t = new CandidateTable(10);
        t.add(obs(0, "api.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1",
                "spiffe://cluster.local/ns/shop/sa/orders"));
        t.add(obs(1, "10.1.2.3:6379", Reason.UNDECLARED_ALLOWED, "10.0.0.1", null));
        new LearnStateFile(file).write(t.snapshot(), 42);
        assertThat(Files.list(file.getParent())).extracting(p -> p.getFileName().toString())
                .containsExactly("learned.json");

        CandidateTable restored = new CandidateTable(10);
        restored.restore(new LearnStateFile(file).read());
        assertThat(restored.snapshot()).isEqualTo(t.snapshot());
        restored.add(obs(2, "api.example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1",
                "spiffe://cluster.local/ns/shop/sa/orders"));
        assertThat(restored.snapshot().get(0).count()).isEqualTo(2);
    }

    @Test
    void aRestoreKeepsTheMostRecentlySeenWithinTheLimit(@TempDir Path dir) throws Exception {
        CandidateTable t = new CandidateTable(10);
        for (int i = 0; i < 5; i++) {
            t.add(obs(i, "h" + i + ".example.com:443", Reason.NO_SERVICE_ENTRY, "10.0.0.1", null));
        }
        CandidateTable small = new CandidateTable(2);
        small.restore(t.snapshot());
        assertThat(small.snapshot()).extracting(CandidateView::destination)
                .containsExactly("h4.example.com", "h3.example.com");
    }

    @Test
    void aMissingStateFileIsAnEmptyStart(@TempDir Path dir) throws Exception {
        assertThat(new LearnStateFile(dir.resolve("none.json")).read()).isEmpty();
    }
}
