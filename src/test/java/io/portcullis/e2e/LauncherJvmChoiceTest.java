package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.portcullis.testsupport.Cli;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: which JVM {@code ./portcullis} starts. PORTCULLIS_JAVA first; else the newest JDK 25
 * or later under PORTCULLIS_JDK_ROOT (each JDK's {@code release} file says its version); else
 * {@code java} on the PATH, so a fresh machine with only JDK 17 still starts. The JDKs here are
 * folders with a real {@code release} file and a {@code bin/java} that prints which one ran and
 * the arguments it got: the launcher's choice and flags are what is under test, not a JVM. The
 * last test starts the real newest JDK of this machine when it has one of 25 or later.
 */
class LauncherJvmChoiceTest {
    private static final Duration RUN = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** A JDK folder named {@code name} whose release says {@code version}; with a java that reports itself, or none. */
    private Path jdk(Path root, String name, String version, boolean withJava) throws Exception {
        Path home = Files.createDirectories(root.resolve(name));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        if (withJava) {
            Path bin = Files.createDirectories(home.resolve("bin"));
            fakeJava(bin.resolve("java"), name);
        }
        return home;
    }

    private static void fakeJava(Path file, String name) throws Exception {
        Files.writeString(file, "#!/bin/sh\necho \"ran " + name + ": $*\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs {@code ./portcullis validate} with these variables (PORTCULLIS_JAVA unset unless given). */
    private Cli.Result launch(String... variables) throws Exception {
        Path jar = Files.writeString(tmp.resolve("unused.jar"), "");
        List<String> argv = new ArrayList<>(List.of("env", "-u", "PORTCULLIS_JAVA", "-u", "PORTCULLIS_JAVA_OPTS",
                "PORTCULLIS_JAR=" + jar));
        argv.addAll(List.of(variables));
        argv.addAll(List.of("./portcullis", "validate"));
        Cli.Result r = Cli.run(RUN, argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void theNewestJdkOf25OrLaterIsPreferredWithItsFlags() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("jvm"));
        jdk(root, "jdk-17", "17.0.15", true);
        jdk(root, "jdk-25", "25.0.3", true);
        jdk(root, "jdk-21", "21.0.2", true);
        // A newer JDK without a java binary (a JRE half removed) is passed over, not chosen.
        jdk(root, "jdk-26-broken", "26", false);

        Cli.Result r = launch("PORTCULLIS_JDK_ROOT=" + root);

        assertThat(r.stdout()).startsWith("ran jdk-25: ")
                .contains("--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders", "-XX:+UseSerialGC", "validate");
    }

    @Test
    void withNoJdk25TheJavaOnThePathRunsWithoutTheNewerFlags() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("jvm"));
        jdk(root, "jdk-17", "17.0.15", true);
        jdk(root, "jdk-21", "21.0.2", true);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        fakeJava(bin.resolve("java"), "path-java");

        Cli.Result r = launch("PORTCULLIS_JDK_ROOT=" + root, "PATH=" + bin + ":" + System.getenv("PATH"));

        assertThat(r.stdout()).startsWith("ran path-java: ").doesNotContain("UseCompactObjectHeaders")
                .doesNotContain("--enable-native-access");
    }

    @Test
    void portcullisJavaWinsAndAMissingOneFallsBackWithANote() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("jvm"));
        jdk(root, "jdk-25", "25.0.3", true);
        Path chosen = jdk(Files.createDirectories(tmp.resolve("elsewhere")), "jdk-17", "17.0.15", true);

        assertThat(launch("PORTCULLIS_JDK_ROOT=" + root, "PORTCULLIS_JAVA=" + chosen).stdout())
                .startsWith("ran jdk-17: ").doesNotContain("UseCompactObjectHeaders");

        Cli.Result missing = launch("PORTCULLIS_JDK_ROOT=" + root, "PORTCULLIS_JAVA=" + tmp.resolve("no-such-jdk"));
        assertThat(missing.stdout()).startsWith("ran jdk-25: ");
        assertThat(missing.stderr()).contains("PORTCULLIS_JAVA=" + tmp.resolve("no-such-jdk") + " is not a java binary or JDK");
    }

    @Test
    void onThisMachineTheLauncherStartsItsNewestRealJdk() throws Exception {
        Path newest = null;
        int best = 24;
        try (var homes = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path home : homes.toList()) {
                Path release = home.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(home.resolve("bin/java"))) {
                    var m = java.util.regex.Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
                    if (m.find() && Integer.parseInt(m.group(1)) > best) {
                        best = Integer.parseInt(m.group(1));
                        newest = home;
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // No /usr/lib/jvm: the fallback is what the other tests check.
        }
        assumeTrue(newest != null, "no JDK 25 or later under /usr/lib/jvm (a fresh machine runs `java`)");

        // The real JVM starts with the flags the launcher adds for it, without a warning, and says which it is.
        Cli.Result r = Cli.run(RUN, "env", "-u", "PORTCULLIS_JAVA", "-u", "PORTCULLIS_JAVA_OPTS", "-u", "PORTCULLIS_JDK_ROOT",
                "PORTCULLIS_JAR=" + LauncherHeapSettingsTest.probeJar(tmp, HomeProbe.class), "./portcullis", "run");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("java.home=" + newest.toRealPath(), "UseCompactObjectHeaders=true");
        assertThat(r.stderr()).doesNotContain("WARNING");
    }

    /** The main class of the probe jar: which JDK runs it, and whether object headers are compact. */
    public static final class HomeProbe {
        public static void main(String[] args) {
            System.out.println("java.home=" + System.getProperty("java.home"));
            System.out.println("UseCompactObjectHeaders=" + ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("UseCompactObjectHeaders").getValue());
        }
    }
}
