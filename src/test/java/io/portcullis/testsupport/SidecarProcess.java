package io.portcullis.testsupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code portcullis run --role sidecar} in an app namespace, as its own JVM started through
 * {@code ip netns exec} (a process cannot move one of its threads into another namespace from
 * Java), under group {@value #PROXY_GID} so that the capture rules ({@code --proxy-gid}) let its
 * own connections out. Same classes as the tests. Its access log and stderr are files this class
 * reads; {@link #close} stops it with SIGTERM and fails on a Netty leak report.
 */
public final class SidecarProcess implements AutoCloseable {
  /** The group the sidecar runs as, which {@code portcullis capture --proxy-gid} excludes. */
  public static final int PROXY_GID = 1337;

  private static final Duration START = Duration.ofSeconds(90);

  private final Process process;
  private final Path dir;

  private SidecarProcess(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
  }

  /**
   * Starts a sidecar in {@code app} on the default capture port 15001 and waits until it listens
   * and has applied the folder ({@code config}); {@code extraArgs} go to {@code run} (the access log
   * is logfmt unless they give {@code --access-log-format}).
   */
  public static SidecarProcess start(NetnsLab.App app, Path config, Path meshCerts, Path hostsFile, String... extraArgs) {
    Path dir;
    try {
      dir = Files.createTempDirectory("portcullis-sidecar-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> argv = new ArrayList<>(List.of(
        Cli.requireCommand("ip").toString(), "netns", "exec", app.name(),
        Cli.requireCommand("setpriv").toString(), "--regid", String.valueOf(PROXY_GID), "--clear-groups", "--",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx160m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dio.netty.leakDetection.level=paranoid",
        "-Dlogback.configurationFile=" + mainLogbackConfig(),
        "-cp", System.getProperty("java.class.path"),
        "io.portcullis.cli.Main", "run", "--role", "sidecar",
        "--config", config.toString(), "--hosts-file", hostsFile.toString(),
        "--admin", "127.0.0.1:0", "--access-log", dir.resolve("access.log").toString(),
        "--learn-state", dir.resolve("learned.json").toString(),
        "--workers", "1", "--inspect-timeout", "5s"));
    // logfmt unless the test asks for another format (the default text one has Envoy's HTTP fields).
    if (!Arrays.asList(extraArgs).contains("--access-log-format")) {
      argv.addAll(List.of("--access-log-format", "logfmt"));
    }
    if (meshCerts != null) {
      argv.addAll(List.of("--mesh-certs", meshCerts.toString()));
    }
    argv.addAll(Arrays.asList(extraArgs));
    Process process;
    try {
      process = new ProcessBuilder(argv)
          .redirectOutput(dir.resolve("stdout").toFile())
          .redirectError(dir.resolve("stderr").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + argv, e);
    }
    SidecarProcess sidecar = new SidecarProcess(process, dir);
    try {
      sidecar.awaitStderr(s -> s.contains("sidecar: capture listener on")
          && (s.contains("configuration 1 applied") || s.contains("starting with no configuration")), START);
      return sidecar;
    } catch (RuntimeException | Error e) {
      String log = sidecar.stderr();
      sidecar.close();
      throw new AssertionError("the sidecar did not start:\n" + log, e);
    }
  }

  /** Waits until the sidecar has applied its {@code generation}-th configuration (after an edit of the folder). */
  public void awaitApplied(int generation) {
    awaitStderr(s -> s.contains("configuration " + generation + " applied"), Duration.ofSeconds(30));
  }

  public String stderr() {
    return read(dir.resolve("stderr"));
  }

  public List<String> accessLines() {
    String text = read(dir.resolve("access.log"));
    return text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  /** Waits for an access-log line that satisfies {@code test} and returns it. */
  public String awaitAccessLine(Predicate<String> test) {
    await().atMost(Duration.ofSeconds(30)).until(() -> accessLines().stream().anyMatch(test));
    return accessLines().stream().filter(test).findFirst().orElseThrow();
  }

  private void awaitStderr(Predicate<String> test, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(50)).alias("the sidecar's stderr:\n" + stderr()).until(() -> {
      if (!process.isAlive()) {
        fail("the sidecar exited with " + process.exitValue() + ":\n" + stderr());
      }
      return test.test(stderr());
    });
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
    String err = stderr();
    deleteDir();
    if (err.contains("LEAK:")) {
      throw new AssertionError("the sidecar reported a Netty buffer leak:\n" + err);
    }
  }

  private void deleteDir() {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A leftover temp dir must not fail the test.
    }
  }

  private static String mainLogbackConfig() {
    // The production logging setup (stderr), rather than the tests' (which hides leak reports in memory).
    URL url = SidecarProcess.class.getClassLoader().getResource("logback.xml");
    try {
      return url == null ? "" : Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
