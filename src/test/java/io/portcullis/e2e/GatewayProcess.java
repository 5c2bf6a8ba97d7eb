package io.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar target/portcullis.jar run} as a separate process, on ports it picks itself (port 0,
 * read back from its start-up line), with its output in files: for what only a real process shows
 * (SIGKILL, restarts, what it prints). Also runs the jar's other commands as processes.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * The line {@code run} logs once it listens: {@code explicit proxy on 127.0.0.1:40123 (io_uring
     * transport), admin on 127.0.0.1:40124, ...} or, for a sidecar, {@code capture listener on [...], admin on ...}.
     */
    private static final Pattern START_LINE = Pattern.compile(
            "(?:explicit proxy on \\S+:(?<proxy>\\d+) |capture listener on ).*, admin on \\S+:(?<admin>\\d+),");
    private static final AtomicInteger STARTED = new AtomicInteger();

    final Path config;
    final int adminPort;
    /** The explicit proxy's port; -1 for a sidecar. */
    final int proxyPort;
    final Path stdout;
    final Path stderr;
    private final Process process;

    private GatewayProcess(Path config, int adminPort, int proxyPort, Path stdout, Path stderr, Process process) {
        this.config = config;
        this.adminPort = adminPort;
        this.proxyPort = proxyPort;
        this.stdout = stdout;
        this.stderr = stderr;
        this.process = process;
    }

    /**
     * How to run {@code portcullis}: the packaged jar when the build names it ({@code *IT} tests run
     * after {@code package}, with {@code -Dportcullis.jar}), else this test run's own classes, so a
     * unit-phase test never runs a jar left over from an older build.
     */
    static List<String> launcher() {
        String jar = System.getProperty("portcullis.jar");
        if (jar == null) {
            return List.of(java(), "-cp", System.getProperty("java.class.path"), "io.portcullis.cli.Main");
        }
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError(jar + " is missing: these tests run after mvn package (mvn verify)");
        }
        return List.of(java(), "-jar", jar);
    }

    /** Starts a gateway on {@code config} and waits until /healthz/ready answers 200. */
    static GatewayProcess start(Path config, Path logs, String... extraArgs) throws IOException {
        return startOn("127.0.0.1", config, logs, extraArgs);
    }

    /** As {@link #start(Path, Path, String...)} with the admin endpoint on {@code adminAddress} (reached on 127.0.0.1). */
    static GatewayProcess startOn(String adminAddress, Path config, Path logs, String... extraArgs) throws IOException {
        return startWith("127.0.0.1", 0, adminAddress, config, logs, extraArgs);
    }

    /**
     * As {@link #start(Path, Path, String...)} with at most {@code nofile} open files (soft and hard
     * RLIMIT_NOFILE, set by {@code prlimit} before the JVM starts: the JVM raises its soft limit to
     * the hard one by itself).
     */
    static GatewayProcess startWithOpenFileLimit(int nofile, Path config, Path logs, String... extraArgs)
            throws IOException {
        return startUnder(List.of("prlimit", "--nofile=" + nofile + ":" + nofile), "127.0.0.1", 0, "127.0.0.1",
                config, logs, extraArgs);
    }

    /**
     * Starts {@code run} with the explicit proxy on {@code proxyAddress:proxyPort} and the admin
     * endpoint on {@code adminAddress} port 0; learns the ports from the start-up line (as an
     * operator would read them) and waits until /healthz/ready answers 200.
     */
    static GatewayProcess startWith(String proxyAddress, int proxyPort, String adminAddress, Path config, Path logs,
                                    String... extraArgs) throws IOException {
        return startUnder(List.of(), proxyAddress, proxyPort, adminAddress, config, logs, extraArgs);
    }

    private static GatewayProcess startUnder(List<String> prefix, String proxyAddress, int proxyPort,
                                             String adminAddress, Path config, Path logs, String... extraArgs)
            throws IOException {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(launcher());
        argv.addAll(List.of("run", "--config",
                config.toString(), "--proxy-address", proxyAddress, "--proxy-port", String.valueOf(proxyPort),
                "--admin", adminAddress + ":0"));
        argv.addAll(Arrays.asList(extraArgs));
        String tag = "gateway-" + STARTED.incrementAndGet() + "-" + ProcessHandle.current().pid();
        Path out = logs.resolve(tag + ".out");
        Path err = logs.resolve(tag + ".err");
        Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            AtomicReference<Matcher> started = new AtomicReference<>();
            await().atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> {
                Matcher m = START_LINE.matcher(Files.readString(err, StandardCharsets.UTF_8));
                if (m.find()) {
                    started.set(m);
                    return true;
                }
                if (!p.isAlive()) {
                    throw new AssertionError("the gateway exited with " + p.exitValue() + ":\n"
                            + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
                }
                return false;
            });
            Matcher m = started.get();
            GatewayProcess g = new GatewayProcess(config, Integer.parseInt(m.group("admin")),
                    m.group("proxy") == null ? -1 : Integer.parseInt(m.group("proxy")), out, err, p);
            await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("the gateway exited with " + p.exitValue() + ":\n" + g.output());
                }
                return g.ready();
            });
            return g;
        } catch (RuntimeException | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
    }

    String url() {
        return "http://127.0.0.1:" + adminPort;
    }

    boolean ready() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/healthz/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, nothing. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as an operator stops it; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    String output() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8) + Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /** {@code java -jar portcullis.jar ARGS} as a process, with stdin. */
    static Cli.Result cli(String stdin, String... args) {
        List<String> argv = new ArrayList<>(launcher());
        argv.addAll(Arrays.asList(args));
        return Cli.runWithInput(Duration.ofSeconds(60), stdin, argv.toArray(new String[0]));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
