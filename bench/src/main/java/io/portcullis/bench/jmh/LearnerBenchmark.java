package io.portcullis.bench.jmh;

import io.portcullis.learn.CandidateTable;
import io.portcullis.learn.Learner;
import io.portcullis.learn.LearnSettings;
import io.portcullis.learn.Observation;
import io.portcullis.learn.RecentConnections;
import io.portcullis.model.ResourceId;
import io.portcullis.policy.Reason;
import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.Destination;
import io.portcullis.telemetry.metrics.TrafficTotals;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What learning costs per connection. {@code offer}: the only work done for it on the path of a
 * record, on the access log's writer thread (never an event loop): a bounded queue's offer.
 * {@code learn}: the learner thread's work per record (facts, ring, candidate table), over 1,024
 * undeclared destinations in turn.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LearnerBenchmark {
    private static final int KEYS = 1024;
    private ConnectionRecord[] records;
    private CandidateTable table;
    private RecentConnections ring;
    private Learner learner;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        records = new ConnectionRecord[KEYS];
        Instant now = Instant.now();
        for (int i = 0; i < KEYS; i++) {
            String requested = "svc-" + i + ".team-" + (i % 16) + ".example.com:443";
            records[i] = new ConnectionRecord(now, 3, "proxy_3128", "10.1." + (i % 8) + ".3:40558", "10.0.0.5:3128",
                    "CONNECT", "-", "HTTP/1.1", 403, "curl/7.88.1", "-", "-", requested, "-", Reason.NO_SERVICE_ENTRY,
                    "no ServiceEntry allows " + requested, (ResourceId) null,
                    new Destination("svc-" + i, false, 443, Destination.BLACK_HOLE), "-", "-", 0, 0, 1, "-",
                    requested, "-");
        }
        table = new CandidateTable(LearnSettings.DEFAULT_MAX_CANDIDATES);
        ring = new RecentConnections(LearnSettings.DEFAULT_RECENT_CONNECTIONS);
        learner = new Learner(new LearnSettings(10_000, 10_000, null, Duration.ofHours(1), 65_536),
                () -> TrafficTotals.ZERO);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        learner.close();
    }

    @Benchmark
    public void learn() {
        Observation o = Observation.of(records[next++ & (KEYS - 1)]).orElseThrow();
        ring.add(o);
        table.add(o);
    }

    @Benchmark
    public void offer() {
        learner.offer(records[next++ & (KEYS - 1)]);
    }
}
