package io.portcullis.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code mariadbd} on 127.0.0.1 and a free port, with a fresh data directory made by
 * {@code mariadb-install-db} in a temp dir, no binary log and a small buffer pool. {@link #start}
 * returns once it sends its handshake and {@link #sql} has run; {@link #close} stops it and
 * deletes the directory (a JVM shutdown hook kills it too).
 */
public final class MariaDbServerProcess implements AutoCloseable {
    private static final long READY_TIMEOUT_MILLIS = 30_000;
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;

    private final Process process;
    private final String bind;
    private final int port;
    private final Path dir;
    private final Thread shutdownHook;

    private MariaDbServerProcess(Process process, String bind, int port, Path dir) {
        this.process = process;
        this.bind = bind;
        this.port = port;
        this.dir = dir;
        this.shutdownHook = new Thread(process::destroyForcibly, "mariadbd-" + port + "-reaper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts mariadbd; {@code extraArgs} are appended to its command line. */
    public static MariaDbServerProcess start(String... extraArgs) {
        return startBound("127.0.0.1", extraArgs);
    }

    /**
     * Starts mariadbd on {@code bind} (e.g. a veth address the tests' network namespaces reach)
     * that lets root in from anywhere without a password: for tests of the byte path, not of logins.
     */
    public static MariaDbServerProcess startOn(String bind) {
        return startBound(bind, "--skip-grant-tables", "--skip-name-resolve");
    }

    private static MariaDbServerProcess startBound(String bind, String... extraArgs) {
        Cli.requireCommand("mariadbd");
        Cli.requireCommand("mariadb-install-db");
        Cli.requireCommand("mariadb");
        AssertionError last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            try {
                return tryStart(FreePorts.pick(), bind, extraArgs);
            } catch (AssertionError e) {
                last = e;
                if (!String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    /** Runs SQL as root over the server's Unix socket with the mariadb client; returns its output. */
    public String sql(String statements) {
        Cli.Result r = Cli.runWithInput(SQL_TIMEOUT, statements, "mariadb", "--no-defaults", "-S",
                dir.resolve("mysqld.sock").toString(), "-uroot", "--batch");
        r.requireSuccess();
        return r.stdout();
    }

    /** Everything mariadbd logged so far, for assertion messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to: nothing left to unregister.
        }
        deleteRecursively(dir);
    }

    private static MariaDbServerProcess tryStart(int port, String bind, String... extraArgs) {
        Path dir;
        try {
            dir = Files.createTempDirectory("portcullis-mariadb-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path data = dir.resolve("data");
        Cli.Result installed = Cli.run(Duration.ofSeconds(120), "mariadb-install-db", "--no-defaults",
                "--datadir=" + data, "--user=root", "--auth-root-authentication-method=socket", "--skip-test-db");
        if (!installed.ok()) {
            deleteRecursively(dir);
            throw new AssertionError("mariadb-install-db failed: " + installed);
        }
        List<String> argv = new java.util.ArrayList<>(List.of(Cli.requireCommand("mariadbd").toString(), "--no-defaults",
                "--datadir=" + data, "--socket=" + dir.resolve("mysqld.sock"), "--port=" + port,
                "--bind-address=" + bind, "--user=root", "--skip-log-bin", "--innodb-buffer-pool-size=16M",
                "--pid-file=" + dir.resolve("mysqld.pid")));
        argv.addAll(List.of(extraArgs));
        Process process;
        try {
            process = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server.log").toFile()).start();
        } catch (IOException e) {
            deleteRecursively(dir);
            throw new UncheckedIOException("cannot start " + argv, e);
        }
        MariaDbServerProcess server = new MariaDbServerProcess(process, bind, port, dir);
        try {
            server.awaitHandshake();
            return server;
        } catch (RuntimeException | Error e) {
            String log = server.log();
            server.close();
            throw new AssertionError("mariadbd did not become ready on " + bind + ":" + port + ":\n" + log, e);
        }
    }

    private void awaitHandshake() {
        ProcessReadiness.await(process, "mariadbd", READY_TIMEOUT_MILLIS, 50, "handshake", this::sendsHandshake);
    }

    /** The server's first packet is a protocol-10 handshake: then it accepts logins. */
    private boolean sendsHandshake() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(bind, port), 500);
            socket.setSoTimeout(2_000);
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(5);
            return head.length == 5 && head[4] == 0x0a;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // A leftover temp dir is harmless and must not mask the test result.
        }
    }
}
