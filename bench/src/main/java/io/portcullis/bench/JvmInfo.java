package io.portcullis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a running Portcullis JVM is, read from the process itself rather than from what the
 * launcher was asked for: the JDK behind {@code /proc/PID/exe} and its {@code release} file, the
 * exact command line, and the flags the JVM chose for itself ({@code jcmd VM.flags}: under
 * {@code taskset -c 1} it sees one CPU and sizes its GC and compiler threads for that).
 */
final class JvmInfo {
    /** Flags worth seeing next to the figures; VM.flags lists many more. */
    private static final Pattern ERGONOMIC = Pattern.compile("-XX:[+-]?(ParallelGCThreads|ConcGCThreads|CICompilerCount|"
            + "MaxHeapSize|InitialHeapSize|Use\\w+GC|UseCompactObjectHeaders|ZGenerational|TieredStopAtLevel|"
            + "ActiveProcessorCount|MaxNewSize|NewSize|G1ConcRefinementThreads)=?\\S*");

    private JvmInfo() {
    }

    static Path javaHome(long pid) {
        try {
            Path exe = Path.of("/proc", Long.toString(pid), "exe").toRealPath();
            return exe.getParent().getParent();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/exe: " + e.getMessage(), e);
        }
    }

    /** The jcmd of the JDK the process runs on (the attach protocol is the JDK's own), or {@code jcmd} on the PATH. */
    static String jcmd(long pid) {
        try {
            Path jcmd = javaHome(pid).resolve("bin/jcmd");
            return Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd";
        } catch (IllegalStateException e) {
            return "jcmd";
        }
    }

    /** e.g. {@code Eclipse Adoptium 25.0.1+8 (/usr/lib/jvm/temurin-25-jdk-amd64)}. */
    static String version(long pid) {
        Path home = javaHome(pid);
        try {
            String release = Files.readString(home.resolve("release"));
            String runtime = field(release, "JAVA_RUNTIME_VERSION");
            return field(release, "IMPLEMENTOR") + " " + (runtime.equals("?") ? field(release, "JAVA_VERSION") : runtime)
                    + " (" + home + ")";
        } catch (IOException e) {
            return home.toString();
        }
    }

    private static String field(String release, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "=\"([^\"]*)\"").matcher(release);
        return m.find() ? m.group(1) : "?";
    }

    /** The JVM's command line, the configuration and ports left out. */
    static String command(long pid) {
        try {
            String cmd = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim();
            return cmd.replaceAll(" run --config .*", " run …");
        } catch (IOException e) {
            return "?";
        }
    }

    /** The ergonomic and chosen flags that matter here, from {@code jcmd PID VM.flags}. */
    static String flags(long pid) {
        String out = Processes.run(30, List.of(jcmd(pid), Long.toString(pid), "VM.flags"));
        List<String> found = new ArrayList<>();
        Matcher m = ERGONOMIC.matcher(out);
        while (m.find()) {
            found.add(m.group());
        }
        return found.isEmpty() ? "(jcmd VM.flags gave nothing)" : String.join(" ", found);
    }
}
