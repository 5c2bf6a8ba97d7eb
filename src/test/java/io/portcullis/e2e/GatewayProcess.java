package io.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
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

/**
 * {@code java -jar target/portcullis.jar run} as a separate process, on free ports, with its output
 * in files: for what only a real process shows (SIGKILL, restarts, what it prints). Also runs the
 * jar's other commands as processes.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final Path config;
    final int adminPort;
    final Path stdout;
    final Path stderr;
    private final Process process;

    private GatewayProcess(Path config, int adminPort, Path stdout, Path stderr, Process process) {
        this.config = config;
        this.adminPort = adminPort;
        this.stdout = stdout;
        this.stderr = stderr;
        this.process = process;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("portcullis.jar", "target/portcullis.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: these tests run after mvn package (mvn verify)");
        }
        return jar;
    }

    /** Starts a gateway on {@code config} and waits until /healthz/ready answers 200. */
    static GatewayProcess start(Path config, Path logs, String... extraArgs) throws IOException {
        return startOn("127.0.0.1", config, logs, extraArgs);
    }

    /** As {@link #start(Path, Path, String...)} with the admin endpoint on {@code adminAddress} (reached on 127.0.0.1). */
    static GatewayProcess startOn(String adminAddress, Path config, Path logs, String... extraArgs) throws IOException {
        return startUnder(List.of(), adminAddress, config, logs, extraArgs);
    }

    /**
     * As {@link #start(Path, Path, String...)} with at most {@code nofile} open files (soft and hard
     * RLIMIT_NOFILE, set by {@code prlimit} before the JVM starts: the JVM raises its soft limit to
     * the hard one by itself).
     */
    static GatewayProcess startWithOpenFileLimit(int nofile, Path config, Path logs, String... extraArgs)
            throws IOException {
        return startUnder(List.of("prlimit", "--nofile=" + nofile + ":" + nofile), "127.0.0.1", config, logs, extraArgs);
    }

    private static GatewayProcess startUnder(List<String> launcher, String adminAddress, Path config, Path logs,
                                             String... extraArgs) throws IOException {
        int port = FreePorts.pick();
        List<String> argv = new ArrayList<>(launcher);
        argv.addAll(List.of(java(), "-jar", jar().toString(), "run", "--config",
                config.toString(), "--proxy-address", "127.0.0.1", "--proxy-port", "0", "--admin", adminAddress + ":" + port));
        argv.addAll(Arrays.asList(extraArgs));
        String tag = "gateway-" + port;
        Path out = logs.resolve(tag + ".out");
        Path err = logs.resolve(tag + ".err");
        Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        GatewayProcess g = new GatewayProcess(config, port, out, err, p);
        try {
            await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("the gateway exited with " + p.exitValue() + ":\n" + g.output());
                }
                return g.ready();
            });
        } catch (RuntimeException | AssertionError e) {
            g.close();
            throw e;
        }
        return g;
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
        List<String> argv = new ArrayList<>(List.of(java(), "-jar", jar().toString()));
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
