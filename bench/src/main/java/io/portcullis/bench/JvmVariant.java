package io.portcullis.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One Portcullis instance of the run: its target name, the JVM the launcher is told to use
 * ({@code PORTCULLIS_JAVA}: a JDK folder or a java binary; empty: the launcher's own choice) and
 * the options it is given ({@code PORTCULLIS_JAVA_OPTS}; empty: the launcher's defaults only), and
 * the jar it runs ({@code PORTCULLIS_JAR}; empty: the tree's own, built by the launcher). Several of
 * them in one run compare JVMs, flags and builds within the same minutes: on a machine whose speed
 * moves by the hour, only figures taken in the same minutes compare.
 */
record JvmVariant(String name, Optional<String> java, String javaOpts, Optional<String> jar) {

    JvmVariant(String name, Optional<String> java, String javaOpts) {
        this(name, java, javaOpts, Optional.empty());
    }

    /**
     * Parses {@code --variant NAME[@JDK]=[JAVA_OPTS]}: {@code jdk25@/usr/lib/jvm/temurin-25-jdk-amd64=}
     * runs the launcher's defaults on that JDK as {@code portcullis-jdk25};
     * {@code parallel=-XX:+UseParallelGC} runs other flags on the base JVM.
     */
    static JvmVariant parse(String spec, Optional<String> baseJava) {
        int eq = spec.indexOf('=');
        if (eq < 1) {
            throw new IllegalArgumentException("--variant NAME[@JDK]=[JAVA_OPTS], e.g. parallel=-XX:+UseParallelGC or "
                    + "jdk25@/usr/lib/jvm/temurin-25-jdk-amd64= (not " + spec + ")");
        }
        String head = spec.substring(0, eq);
        String opts = spec.substring(eq + 1).trim();
        int at = head.indexOf('@');
        String name = at < 0 ? head : head.substring(0, at);
        Optional<String> java = at < 0 ? baseJava : Optional.of(head.substring(at + 1));
        return new JvmVariant(targetName("--variant", spec, name), java, opts);
    }

    /**
     * Parses {@code --jar-variant NAME=JAR}: {@code before=/tmp/old/portcullis.jar} runs that jar
     * through this tree's launcher, on the base JVM with the base options, as {@code portcullis-before}.
     */
    static JvmVariant ofJar(String spec, Optional<String> baseJava, String baseOpts) {
        int eq = spec.indexOf('=');
        if (eq < 1 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("--jar-variant NAME=JAR, e.g. before=/tmp/old/target/portcullis.jar (not "
                    + spec + ")");
        }
        String name = targetName("--jar-variant", spec, spec.substring(0, eq));
        Path jar = Path.of(spec.substring(eq + 1)).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--jar-variant " + spec + ": no jar at " + jar);
        }
        return new JvmVariant(name, baseJava, baseOpts, Optional.of(jar.toString()));
    }

    /** {@code portcullis-NAME}, once NAME is known to be safe in file names (it names files in the work folder). */
    private static String targetName(String option, String spec, String name) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException(option + " " + spec + ": the name '" + name
                    + "' may hold only letters, digits, '.', '_' and '-' (it names files in the work folder)");
        }
        return Target.PORTCULLIS + "-" + name;
    }
}
