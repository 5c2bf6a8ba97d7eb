package io.portcullis.bench.jmh;

import io.portcullis.policy.Decision;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
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
 * The per-connection decision: host names (exact and under a wildcard, the SNI or CONNECT case),
 * a name nobody declared, and IP addresses (longest-prefix match), against 1,000 and 100,000
 * ServiceEntries. The cost should not grow with the number of entries (tries: O(key length)).
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
    private final String[] exactNames = new String[KEYS];
    private final String[] wildcardNames = new String[KEYS];
    private final String[] undeclaredNames = new String[KEYS];
    private final InetAddress[] addresses = new InetAddress[KEYS];
    private int next;

    @Setup(Level.Trial)
    public void compile() throws UnknownHostException {
        policy = EgressPolicy.compile(SyntheticEntries.of(entries), OutboundPolicy.REGISTRY_ONLY);
        java.util.Random random = new java.util.Random(7);
        for (int k = 0; k < KEYS; k++) {
            int even = random.nextInt(entries / 2) * 2;
            exactNames[k] = SyntheticEntries.matchingName(even);
            wildcardNames[k] = SyntheticEntries.matchingName(even + 1);
            undeclaredNames[k] = "svc-" + k + ".nobody.example.org";
            addresses[k] = InetAddress.getByName(SyntheticEntries.address(random.nextInt(entries)));
        }
        for (int k = 0; k < KEYS; k++) {
            if (!policy.decideHost(exactNames[k], SyntheticEntries.PORT).allowed()
                    || !policy.decideHost(wildcardNames[k], SyntheticEntries.PORT).allowed()
                    || !policy.decideAddress(addresses[k], SyntheticEntries.PORT).allowed()
                    || policy.decideHost(undeclaredNames[k], SyntheticEntries.PORT).allowed()) {
                throw new IllegalStateException("the synthetic configuration does not decide as expected at key " + k);
            }
        }
    }

    private int key() {
        next = (next + 1) & (KEYS - 1);
        return next;
    }

    @Benchmark
    public Decision hostExact() {
        return policy.decideHost(exactNames[key()], SyntheticEntries.PORT);
    }

    @Benchmark
    public Decision hostUnderWildcard() {
        return policy.decideHost(wildcardNames[key()], SyntheticEntries.PORT);
    }

    @Benchmark
    public Decision hostUndeclared() {
        return policy.decideHost(undeclaredNames[key()], SyntheticEntries.PORT);
    }

    @Benchmark
    public Decision address() {
        return policy.decideAddress(addresses[key()], SyntheticEntries.PORT);
    }
}
