package io.portcullis.bench.jmh;

import io.portcullis.model.ResourceKind;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.sources.FolderSource;
import io.portcullis.sources.LoadResult;
import io.portcullis.sources.store.ApplyRequest;
import io.portcullis.sources.store.ApplyResult;
import io.portcullis.sources.store.FolderStore;
import io.portcullis.sources.store.StoreException;
import io.portcullis.sources.store.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The admin API's store against a real folder of one file per resource, wired as the gateway
 * wires it: one {@code apply} of one resource (validated against the whole folder, written with
 * fsync and atomic renames, reloaded and compiled into a snapshot before it returns), and one
 * list of every ServiceEntry. Goals: 50 ms and 20 ms with 5,000 files.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ControlPlaneBenchmark {
    @Param({"5000"})
    public int files;

    private Path dir;
    private FolderSource source;
    private FolderStore store;
    private final AtomicReference<EgressPolicy> policy = new AtomicReference<>();
    private int port = 1000;

    static String entry(String name, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts: ["%s.example.test"]
                  ports: [{number: %d, name: https, protocol: HTTPS}]
                  resolution: DNS
                """.formatted(name, name, port);
    }

    @Setup(Level.Trial)
    public void folder() throws IOException {
        dir = Files.createTempDirectory("portcullis-control-plane");
        for (int i = 0; i < files; i++) {
            Files.writeString(dir.resolve("fill-" + i + ".yaml"), entry("fill-" + i, 443));
        }
        source = new FolderSource(dir, this::compile);
        store = new FolderStore(source.folder(), source::reloadAfterWrite, Clock.systemUTC());
        LoadResult first = source.start();
        if (first.hasErrors()) {
            throw new IllegalStateException("the generated folder does not validate: " + first.errors());
        }
    }

    /** What the gateway does with each valid configuration. */
    private void compile(LoadResult loaded) {
        policy.set(EgressPolicy.compile(loaded.resources(), OutboundPolicy.REGISTRY_ONLY));
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        source.close();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** One resource changed through the API, in force when it returns. */
    @Benchmark
    public ApplyResult applyOne() throws StoreException {
        port = port == 1000 ? 1001 : 1000;
        return store.apply(new ApplyRequest(List.of(new ApplyRequest.SourceFile("probe.yaml", entry("probe", port))),
                "default", ApplyRequest.Mode.APPLY, false));
    }

    /** Every ServiceEntry, as {@code GET .../serviceentries} lists them. */
    @Benchmark
    public List<StoredObject> list() {
        return store.list(ResourceKind.SERVICE_ENTRY, null);
    }
}
