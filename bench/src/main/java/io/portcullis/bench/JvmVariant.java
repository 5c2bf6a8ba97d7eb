package io.portcullis.bench;

import java.util.Optional;

/**
 * One Portcullis instance of the run: its target name, the JVM the launcher is told to use
 * ({@code PORTCULLIS_JAVA}: a JDK folder or a java binary; empty: the launcher's own choice) and
 * the options it is given ({@code PORTCULLIS_JAVA_OPTS}; empty: the launcher's defaults only).
 * Several of them in one run compare JVMs and flags within the same minutes.
 */
record JvmVariant(String name, Optional<String> java, String javaOpts) {

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
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("--variant " + spec + ": the name '" + name
                    + "' may hold only letters, digits, '.', '_' and '-' (it names files in the work folder)");
        }
        Optional<String> java = at < 0 ? baseJava : Optional.of(head.substring(at + 1));
        return new JvmVariant(Target.PORTCULLIS + "-" + name, java, opts);
    }
}
