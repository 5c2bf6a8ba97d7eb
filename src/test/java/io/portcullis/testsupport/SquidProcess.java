package io.portcullis.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Squid (Debian's {@code squid}) as a corporate HTTP proxy on 127.0.0.1 and a free port
 * (or on a given loopback address and port: {@link #startOn}), with a generated configuration in its own temp dir (pid file, logs, hosts file there, no disk
 * cache): it allows CONNECT to any port, except to the domains it is told to refuse (403), and
 * resolves names from its own hosts file. {@link #close} stops it (a JVM shutdown hook does too).
 */
public final class SquidProcess implements AutoCloseable {
  private static final long READY_TIMEOUT_MILLIS = 20_000;
  private static final int PORT_ATTEMPTS = 3;

  private final Process process;
  private final int port;
  private final Path dir;
  private final Thread shutdownHook;

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private SquidProcess(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
    this.shutdownHook = new Thread(process::destroyForcibly, "squid-" + port + "-reaper");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * @param hosts          names Squid resolves, to IPs
   * @param refusedDomains CONNECT to these (and their subdomains) is answered 403
   */
  public static SquidProcess start(Map<String, String> hosts, List<String> refusedDomains) {
    String binary = Cli.requireCommand("squid").toString();
    AssertionError last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      try {
        return tryStart(binary, LOOPBACK, FreePorts.pick(), hosts, refusedDomains, List.of());
      } catch (AssertionError e) {
        last = e;
        if (!String.valueOf(e.getMessage()).contains("Address already in use")) {
          throw e;
        }
      }
    }
    throw last;
  }

  /**
   * Squid on {@code address:port} (a loopback address of the test's own, so a fixed port such as
   * Istio's 3128 cannot collide), with {@code accessRules} (Squid {@code acl}/{@code http_access}
   * lines, e.g. a task's own) before the final {@code http_access allow all}.
   */
  public static SquidProcess startOn(InetAddress address, int port, Map<String, String> hosts, List<String> accessRules) {
    return tryStart(Cli.requireCommand("squid").toString(), address, port, hosts, List.of(), accessRules);
  }

  public int port() {
    return port;
  }

  /** Squid's access log: one line per CONNECT, e.g. {@code TCP_TUNNEL/200 ... CONNECT api.example.test:443}. */
  public String accessLog() {
    return read(dir.resolve("access.log"));
  }

  /** Squid's cache log (its operational log), for assertion messages. */
  public String log() {
    return read(dir.resolve("cache.log")) + read(dir.resolve("stdout.log"));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
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

  private static SquidProcess tryStart(String binary, InetAddress address, int port, Map<String, String> hosts,
                                       List<String> refused, List<String> accessRules) {
    Path dir;
    try {
      dir = Files.createTempDirectory("portcullis-squid-");
      // Started as root, Squid drops to its own user (proxy), which must write its logs and pid here.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
      Files.writeString(dir.resolve("hosts"), hosts.entrySet().stream()
          .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining("\n", "", "\n")));
      StringBuilder conf = new StringBuilder();
      conf.append("http_port ").append(address.getHostAddress()).append(':').append(port).append('\n')
          .append("pid_filename ").append(dir.resolve("squid.pid")).append('\n')
          .append("cache_log ").append(dir.resolve("cache.log")).append('\n')
          .append("access_log stdio:").append(dir.resolve("access.log")).append('\n')
          .append("cache_store_log none\n")
          .append("coredump_dir ").append(dir).append('\n')
          .append("hosts_file ").append(dir.resolve("hosts")).append('\n')
          .append("cache deny all\n")
          .append("cache_mem 8 MB\n")
          .append("netdb_filename none\n")
          .append("pinger_enable off\n")
          .append("logfile_rotate 0\n")
          .append("shutdown_lifetime 0 seconds\n")
          .append("visible_hostname portcullis-test-squid\n");
      if (!refused.isEmpty()) {
        conf.append("acl refused dstdomain");
        refused.forEach(d -> conf.append(' ').append('.').append(d));
        conf.append("\nhttp_access deny refused\n");
      }
      accessRules.forEach(rule -> conf.append(rule).append('\n'));
      // Loopback-only test proxy: CONNECT to any port is what the tests exercise.
      conf.append("http_access allow all\n");
      Files.writeString(dir.resolve("squid.conf"), conf.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> argv = List.of(binary, "-N", "-d", "1", "-f", dir.resolve("squid.conf").toString());
    Process process;
    try {
      process = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile()).start();
    } catch (IOException e) {
      deleteRecursively(dir);
      throw new UncheckedIOException("cannot start " + argv, e);
    }
    SquidProcess squid = new SquidProcess(process, port, dir);
    try {
      ProcessReadiness.await(process, "squid", READY_TIMEOUT_MILLIS, 50, "a connection on port " + port,
          () -> accepts(address, port));
      return squid;
    } catch (RuntimeException | Error e) {
      String log = squid.log();
      squid.close();
      throw new AssertionError("squid did not become ready on port " + port + ":\n" + log, e);
    }
  }

  private static boolean accepts(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "(unreadable " + file + ": " + e + ")";
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
