package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.portcullis.testsupport.Cli;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, defect 14: {@code ./portcullis} starts the JVM with heap settings that fit a container
 * and give memory back (a share of the memory limit, G1 with periodic collections that uncommit
 * free heap; the serial collector for one-shot commands, issue 17), and {@code PORTCULLIS_JAVA_OPTS}
 * still overrides them. The launcher runs a real JVM
 * on a jar whose main class reports the flags in force ({@code PORTCULLIS_JAR}).
 */
class LauncherHeapSettingsTest {
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final List<String> FLAGS = List.of("MaxRAMPercentage", "G1PeriodicGCInterval", "MaxHeapFreeRatio",
            "MinHeapFreeRatio", "GCTimeRatio", "UseG1GC", "UseSerialGC", "G1PeriodicGCInvokesConcurrent", "InitialHeapSize");

    @TempDir
    Path tmp;

    /** The main class of the probe jar: prints {@code name=value} for each flag of {@link #FLAGS}. */
    public static final class FlagProbe {
        public static void main(String[] args) {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            FLAGS.forEach(f -> System.out.println(f + "=" + hotspot.getVMOption(f).getValue()));
        }
    }

    /** A jar whose manifest runs {@code main} from the test classes (its Class-Path), for PORTCULLIS_JAR. */
    static Path probeJar(Path dir, Class<?> main) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main.getName());
        Path classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
        Path jar = dir.resolve(main.getSimpleName() + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            // The manifest is all: the class comes from the test classes on its Class-Path.
            out.finish();
        }
        return jar;
    }

    /** The flags the launcher starts the JVM with for {@code command} (the probe ignores it). */
    private Map<String, String> flags(String javaOpts, String command) throws Exception {
        String jar = "PORTCULLIS_JAR=" + probeJar(tmp, FlagProbe.class);
        Cli.Result r = javaOpts == null
                ? Cli.run(RUN, "env", "-u", "PORTCULLIS_JAVA_OPTS", jar, "./portcullis", command)
                : Cli.run(RUN, "env", jar, "PORTCULLIS_JAVA_OPTS=" + javaOpts, "./portcullis", command);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Map<String, String> out = new HashMap<>();
        r.stdout().lines().map(l -> l.split("=", 2)).forEach(kv -> out.put(kv[0], kv[1]));
        return out;
    }

    @Test
    void theLauncherSizesTheHeapForAContainerAndGivesItBack() throws Exception {
        Map<String, String> f = flags(null, "run");
        assertThat(f).containsEntry("MaxRAMPercentage", "40.0").containsEntry("UseG1GC", "true")
                .containsEntry("G1PeriodicGCInterval", "60000").containsEntry("G1PeriodicGCInvokesConcurrent", "true")
                .containsEntry("MaxHeapFreeRatio", "30")
                .containsEntry("MinHeapFreeRatio", "10").containsEntry("GCTimeRatio", "4");
    }

    @Test
    void oneShotCommandsRunOnTheSerialCollectorWithTheSameHeapBounds() throws Exception {
        Map<String, String> f = flags(null, "validate");
        assertThat(f).containsEntry("UseSerialGC", "true").containsEntry("UseG1GC", "false")
                .containsEntry("MaxRAMPercentage", "40.0").containsEntry("MaxHeapFreeRatio", "30")
                .containsEntry("MinHeapFreeRatio", "10");
        // Started small, grown as the input needs (validate of 50,000 files: 145 MB resident instead of 255 MB).
        assertThat(f).as("initial heap").containsEntry("InitialHeapSize", String.valueOf(8 * 1024 * 1024));
    }

    @Test
    void portcullisJavaOptsOverridesThemAndMayNameAnotherCollector() throws Exception {
        Map<String, String> f = flags("-XX:MaxRAMPercentage=60 -XX:+UseSerialGC", "run");
        assertThat(f).containsEntry("MaxRAMPercentage", "60.0").containsEntry("UseSerialGC", "true")
                .containsEntry("UseG1GC", "false");
    }
}
