package io.portcullis.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} on 127.0.0.1 and a free port, without persistence, running in its
 * own temp dir; {@link #start} returns once it answers PING and {@link #close} kills it (a JVM
 * shutdown hook does too, so an aborted test run leaves no orphan).
 */
public final class RedisServerProcess implements AutoCloseable {

  private static final long READY_TIMEOUT_MILLIS = 10_000;
  private static final int PORT_ATTEMPTS = 3;

  private final Process process;
  private final String bind;
  private final int port;
  private final Path dir;
  private final Thread shutdownHook;

  private RedisServerProcess(Process process, String bind, int port, Path dir) {
    this.process = process;
    this.bind = bind;
    this.port = port;
    this.dir = dir;
    this.shutdownHook = new Thread(process::destroyForcibly, "redis-server-" + port + "-reaper");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts redis-server; {@code extraArgs} are appended (e.g. {@code "--requirepass", "s3cret"}). */
  public static RedisServerProcess start(String... extraArgs) {
    return startOn("127.0.0.1", extraArgs);
  }

  /** Like {@link #start}, listening on {@code bind} (e.g. the host side of a netns test's veth). */
  public static RedisServerProcess startOn(String bind, String... extraArgs) {
    String binary = Cli.requireCommand("redis-server").toString();
    AssertionError last = null;
    // FreePorts can only say a port was free a moment ago; another process may take it first.
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      try {
        return tryStart(binary, bind, FreePorts.pick(), extraArgs);
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

  public String host() {
    return bind;
  }

  public long pid() {
    return process.pid();
  }

  /** Everything redis-server logged so far, for assertion messages. */
  public String log() {
    return readLog(dir);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
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

  private static RedisServerProcess tryStart(String binary, String bind, int port, String... extraArgs) {
    Path dir;
    try {
      dir = Files.createTempDirectory("portcullis-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> argv =
        new ArrayList<>(
            List.of(
                binary, "--port", Integer.toString(port), "--bind", bind,
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", dir.toString()));
    if (!bind.startsWith("127.")) {
      // Reachable from a test namespace only: redis would otherwise answer DENIED to non-loopback clients.
      argv.addAll(List.of("--protected-mode", "no"));
    }
    argv.addAll(List.of(extraArgs));
    Process process;
    try {
      process =
          new ProcessBuilder(argv)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
    } catch (IOException e) {
      deleteRecursively(dir);
      throw new UncheckedIOException("cannot start " + argv, e);
    }
    RedisServerProcess server = new RedisServerProcess(process, bind, port, dir);
    try {
      server.awaitPong();
      return server;
    } catch (RuntimeException | Error e) {
      String log = server.log();
      server.close();
      throw new AssertionError("redis-server did not become ready on port " + port + ":\n" + log, e);
    }
  }

  private void awaitPong() {
    ProcessReadiness.await(process, "redis-server", READY_TIMEOUT_MILLIS, 20, "PONG", this::answersPing);
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(bind, port), 500);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String reply = new String(in.readNBytes(7), StandardCharsets.US_ASCII);
      // With --requirepass the server is just as ready but answers NOAUTH.
      return reply.equals("+PONG\r\n") || reply.equals("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  private static String readLog(Path dir) {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
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
