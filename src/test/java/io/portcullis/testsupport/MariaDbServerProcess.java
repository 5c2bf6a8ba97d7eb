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
 * A real MariaDB server ({@code mariadbd}) in its own temporary data folder, on a chosen address
 * and a free port, with grant tables off (any client may log in: it is reachable from the test
 * namespaces only). {@link #start} returns once it sends its greeting; {@link #close} stops it and
 * removes the folder. MySQL speaks first, which makes it the protocol that catches a proxy that
 * waits for the client.
 */
public final class MariaDbServerProcess implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(60);

  private final Process process;
  private final String bind;
  private final int port;
  private final Path dir;

  private MariaDbServerProcess(Process process, String bind, int port, Path dir) {
    this.process = process;
    this.bind = bind;
    this.port = port;
    this.dir = dir;
  }

  public static MariaDbServerProcess startOn(String bind) {
    String server = Cli.findCommand("mariadbd").orElseGet(() -> Cli.requireCommand("mysqld")).toString();
    Path dir;
    try {
      dir = Files.createTempDirectory("portcullis-mariadb-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Cli.run(Duration.ofSeconds(120), Cli.requireCommand("mariadb-install-db").toString(), "--no-defaults",
            "--datadir=" + dir.resolve("data"), "--user=root", "--auth-root-authentication-method=normal",
            "--skip-test-db").requireSuccess();
    int port = FreePorts.pick();
    List<String> argv = List.of(server, "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=root",
        "--port=" + port, "--bind-address=" + bind, "--socket=" + dir.resolve("mysqld.sock"),
        "--pid-file=" + dir.resolve("mysqld.pid"), "--skip-grant-tables", "--skip-log-bin",
        "--innodb-buffer-pool-size=16M", "--skip-name-resolve");
    Process process;
    try {
      process = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(dir.resolve("server.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + argv, e);
    }
    MariaDbServerProcess db = new MariaDbServerProcess(process, bind, port, dir);
    try {
      db.awaitGreeting();
      return db;
    } catch (RuntimeException | Error e) {
      String log = db.log();
      db.close();
      throw new AssertionError("mariadbd did not become ready on " + bind + ":" + port + ":\n" + log, e);
    }
  }

  public int port() {
    return port;
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("server.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void awaitGreeting() {
    long deadline = System.nanoTime() + READY.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("mariadbd exited with " + process.exitValue());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(bind, port), 500);
        s.setSoTimeout(2000);
        InputStream in = s.getInputStream();
        if (in.readNBytes(5).length == 5) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    throw new IllegalStateException("no greeting within " + READY);
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
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // A leftover temp dir must not fail the test.
    }
  }
}
