package io.portcullis.bench.jmh;

import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Verdict;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-connection decision, {@link Admission#admit} of an explicit proxy's CONNECT (the one way
 * in): host names (exact and under a wildcard), a name nobody declared, and IP addresses
 * (longest-prefix match), against 1,000 and 100,000 ServiceEntries. The facts are built up front,
 * as a listener has them before it asks. The cost should not grow with the number of entries (tries: O(key length)).
 * Each call looks up a different key, cycling through 1,024 of them, so caches do not flatter it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A heap sized and touched up front: otherwise the 100,000-entry case measures page faults and heap growth.
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class PolicyLookupBenchmark {
    private static final int KEYS = 1024;

    @Param({"1000", "100000"})
    public int entries;

    private EgressPolicy policy;
    private final Facts[] exactNames = new Facts[KEYS];
    private final Facts[] wildcardNames = new Facts[KEYS];
    private final Facts[] undeclaredNames = new Facts[KEYS];
    private final Facts[] addresses = new Facts[KEYS];
    private int next;

    @Setup(Level.Trial)
    public void compile() throws UnknownHostException {
        policy = EgressPolicy.compile(SyntheticEntries.of(entries), OutboundPolicy.REGISTRY_ONLY);
        java.util.Random random = new java.util.Random(7);
        for (int k = 0; k < KEYS; k++) {
            int even = random.nextInt(entries / 2) * 2;
            exactNames[k] = connect(HostPort.ofName(SyntheticEntries.matchingName(even), SyntheticEntries.PORT));
            wildcardNames[k] = connect(HostPort.ofName(SyntheticEntries.matchingName(even + 1), SyntheticEntries.PORT));
            undeclaredNames[k] = connect(HostPort.ofName("svc-" + k + ".nobody.example.org", SyntheticEntries.PORT));
            InetAddress address = InetAddress.getByName(SyntheticEntries.address(random.nextInt(entries)));
            addresses[k] = connect(new HostPort(address.getHostAddress(), SyntheticEntries.PORT,
                    java.util.Optional.of(address)));
        }
        for (int k = 0; k < KEYS; k++) {
            if (!Admission.admit(policy, exactNames[k]).allowed()
                    || !Admission.admit(policy, wildcardNames[k]).allowed()
                    || !Admission.admit(policy, addresses[k]).allowed()
                    || Admission.admit(policy, undeclaredNames[k]).allowed()) {
                throw new IllegalStateException("the synthetic configuration does not decide as expected at key " + k);
            }
        }
    }

    private static Facts connect(HostPort authority) {
        return Facts.of(ListenerKind.EXPLICIT_CONNECT, 3128).authority(authority).build();
    }

    private int key() {
        next = (next + 1) & (KEYS - 1);
        return next;
    }

    @Benchmark
    public Verdict hostExact() {
        return Admission.admit(policy, exactNames[key()]);
    }

    @Benchmark
    public Verdict hostUnderWildcard() {
        return Admission.admit(policy, wildcardNames[key()]);
    }

    @Benchmark
    public Verdict hostUndeclared() {
        return Admission.admit(policy, undeclaredNames[key()]);
    }

    @Benchmark
    public Verdict address() {
        return Admission.admit(policy, addresses[key()]);
    }
}
