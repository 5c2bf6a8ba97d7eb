package io.portcullis.bench.jmh;

import io.portcullis.model.ResourceSet;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * A configuration change, end to end: compiling 100,000 ServiceEntries into a policy snapshot
 * (the target is under one second), and the whole path a folder change takes, YAML text to a
 * validated set to the snapshot (25 files of 4,000 entries, as the loader caps a file at 4 MiB).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CompileBenchmark {
    private static final int PER_FILE = 4_000;

    @Param({"100000"})
    public int entries;

    private ResourceSet set;
    private Map<String, String> files;

    @Setup(Level.Trial)
    public void generate() {
        set = SyntheticEntries.of(entries);
        files = new LinkedHashMap<>();
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < entries; i++) {
            yaml.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: entry-%d}
                    spec:
                      hosts: ["%s"]
                      addresses: [%s/32]
                      ports: [{number: 443, name: tls, protocol: TLS}]
                      resolution: NONE
                    ---
                    """.formatted(i, SyntheticEntries.host(i), SyntheticEntries.address(i)));
            if ((i + 1) % PER_FILE == 0 || i + 1 == entries) {
                files.put("entries-" + (i / PER_FILE) + ".yaml", yaml.toString());
                yaml.setLength(0);
            }
        }
    }

    /** ResourceSet (already validated) to the immutable snapshot the data plane reads. */
    @Benchmark
    public EgressPolicy compileSnapshot() {
        return EgressPolicy.compile(set, OutboundPolicy.REGISTRY_ONLY);
    }

    /** YAML files to parsed, validated resources to the snapshot: what a folder change costs. */
    @Benchmark
    public EgressPolicy parseValidateCompile() {
        LoadResult loaded = FolderLoader.fromFiles(files);
        if (loaded.hasErrors()) {
            throw new IllegalStateException("the generated YAML does not validate: " + loaded);
        }
        return EgressPolicy.compile(loaded.resources(), OutboundPolicy.REGISTRY_ONLY);
    }
}
