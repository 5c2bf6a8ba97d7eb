package io.portcullis.bench.jmh;

import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Verdict;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The access log's per-connection work on the event loop: recording a connection (addresses,
 * verdict, byte counts) and formatting its line; an allowed connection and a denied one with a
 * message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLogBenchmark {
    private InetSocketAddress client;
    private InetSocketAddress upstream;
    private Verdict allowed;
    private Verdict denied;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        client = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 40558);
        upstream = new InetSocketAddress(InetAddress.getByName("142.250.74.74"), 443);
        EgressPolicy policy = EgressPolicy.compile(SyntheticEntries.of(10), OutboundPolicy.REGISTRY_ONLY);
        allowed = Admission.admit(policy, Facts.of(ListenerKind.EXPLICIT_CONNECT, 3128)
                .authority(HostPort.ofName("svc-2.team-2.example.com", 443)).build());
        denied = Admission.admit(policy, Facts.of(ListenerKind.EXPLICIT_CONNECT, 3128)
                .authority(HostPort.ofName("api.other.test", 443)).build());
    }

    @Benchmark
    public String allowedLine() {
        ConnectionLog log = new ConnectionLog("proxy_3128", client);
        log.requested("svc-2.team-2.example.com", 443);
        log.decided(allowed);
        log.upstream(upstream);
        log.addFromClient(731);
        log.addToClient(7103);
        return log.toLine();
    }

    @Benchmark
    public String deniedLine() {
        ConnectionLog log = new ConnectionLog("proxy_3128", client);
        log.requested("api.other.test", 443);
        log.decided(denied);
        return log.toLine();
    }
}
