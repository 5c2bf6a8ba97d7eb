package io.portcullis.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands (curl, openssl, redis-cli, ip, iptables…) for tests with a hard timeout:
 * on expiry the whole process tree is killed and {@link TimedOut} is thrown, so a test never hangs.
 *
 * <p>Output goes to temporary files rather than pipes, because a grandchild that inherits a pipe
 * would keep a reader thread blocked after the child itself is gone. Stdin is {@code /dev/null}
 * unless given, so tools like {@code openssl s_client} finish instead of waiting for a terminal.
 * Proxy variables ({@code http_proxy}, {@code ALL_PROXY}, …) are removed from the environment:
 * a test that wants a proxy says so explicitly ({@code curl -x}), and one inherited from the CI
 * host must not silently route around the gateway under test.
 */
public final class Cli {

  private static final List<String> PROXY_VARIABLES =
      List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy");

  /** Directories searched after PATH, so {@code iptables}/{@code ip} are found from a user shell too. */
  private static final List<String> EXTRA_DIRS = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

  private Cli() {}

  /** The outcome of a finished command; output is decoded as UTF-8. */
  public record Result(int exitCode, String stdout, String stderr) {

    public boolean ok() {
      return exitCode == 0;
    }

    /** Returns this result if the exit code is 0, otherwise fails with the full output. */
    public Result requireSuccess() {
      if (!ok()) {
        throw new AssertionError("command failed: " + this);
      }
      return this;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
  }

  /** Thrown when a command outlives its timeout; carries what it printed until it was killed. */
  public static final class TimedOut extends AssertionError {
    private static final long serialVersionUID = 1L;
    private final transient Result partial;

    TimedOut(List<String> argv, Duration timeout, Result partial) {
      super("timed out after " + timeout + " and killed: " + argv + "\n" + partial);
      this.partial = partial;
    }

    public Result partial() {
      return partial;
    }
  }

  public static Result run(Duration timeout, String... argv) {
    return run(timeout, null, argv);
  }

  /** Like {@link #run(Duration, String...)} with {@code stdin} fed to the command (null: empty). */
  public static Result runWithInput(Duration timeout, String stdin, String... argv) {
    return run(timeout, stdin, argv);
  }

  /**
   * Fails the test unless {@code command} is an executable on PATH (or in an sbin directory);
   * returns its path. Missing tools are a broken environment, never a reason to skip.
   */
  public static Path requireCommand(String command) {
    return findCommand(command)
        .orElseGet(
            () ->
                fail(
                    "required command '"
                        + command
                        + "' is not installed or not on PATH ("
                        + System.getenv("PATH")
                        + "); run scripts/install-test-deps"));
  }

  public static Optional<Path> findCommand(String command) {
    if (command.contains("/")) {
      Path path = Path.of(command);
      return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }
    List<String> dirs = new ArrayList<>();
    String pathVar = System.getenv("PATH");
    if (pathVar != null) {
      dirs.addAll(Arrays.asList(pathVar.split(File.pathSeparator)));
    }
    dirs.addAll(EXTRA_DIRS);
    return dirs.stream()
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, command))
        .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
        .findFirst();
  }

  private static Result run(Duration timeout, String stdin, String... argv) {
    if (argv.length == 0) {
      throw new IllegalArgumentException("empty command line");
    }
    List<String> command = new ArrayList<>(Arrays.asList(argv));
    command.set(0, requireCommand(argv[0]).toString());
    Path dir = null;
    try {
      dir = Files.createTempDirectory("portcullis-cli-");
      Path out = dir.resolve("stdout");
      Path err = dir.resolve("stderr");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(stdinFor(dir, stdin));
      scrubEnvironment(builder.environment());
      Process process = builder.start();
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        killTree(process);
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while running " + command, e);
      }
      if (!finished) {
        killTree(process);
        throw new TimedOut(command, timeout, new Result(-1, read(out), read(err)));
      }
      return new Result(process.exitValue(), read(out), read(err));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } finally {
      deleteQuietly(dir);
    }
  }

  private static ProcessBuilder.Redirect stdinFor(Path dir, String stdin) throws IOException {
    if (stdin == null) {
      return ProcessBuilder.Redirect.from(new File("/dev/null"));
    }
    Path in = Files.writeString(dir.resolve("stdin"), stdin, StandardCharsets.UTF_8);
    return ProcessBuilder.Redirect.from(in.toFile());
  }

  private static void scrubEnvironment(Map<String, String> env) {
    env.keySet().removeIf(name -> PROXY_VARIABLES.contains(name.toLowerCase(java.util.Locale.ROOT)));
    // Stable, untranslated messages from the tools, whatever the CI host's locale is.
    env.put("LC_ALL", "C");
  }

  /** Kills descendants first: once the parent is gone they are re-parented and out of reach. */
  static void killTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      for (ProcessHandle child : descendants) {
        child.onExit().get(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // A descendant that does not die within 5 s after SIGKILL is a kernel matter, not ours.
    }
  }

  private static String read(Path file) throws IOException {
    // Lenient decoding: binary or truncated output must not turn into a MalformedInputException.
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A leftover temp file must not fail the test that just ran.
    }
  }
}
