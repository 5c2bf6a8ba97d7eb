package io.portcullis.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import io.portcullis.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Network namespaces for the mesh tests, made with iproute2 and removed on close: each "app"
 * namespace is joined to this (root) namespace by a veth pair on its own /24,
 * {@code 10.237.N.0/24}: the host side has {@code .1} (and {@code .3}, a second address for
 * "another server"), the app side {@code .2}, with a default route through {@code .1}; and the
 * same in IPv6 on {@code fd00:237:N::/64}. Subnets
 * and names are picked so that test runs in parallel JVMs do not collide (an interface name is the
 * lock). Where the machine forbids namespaces, the test is skipped with the reason; a missing
 * {@code ip} binary is a broken environment and fails.
 */
public final class NetnsLab implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int ATTEMPTS = 250;

  private final List<App> apps = new ArrayList<>();

  private NetnsLab() {}

  /** Creates {@code count} app namespaces, or skips the calling test when namespaces are not permitted here. */
  public static NetnsLab create(int count) {
    Cli.requireCommand("ip");
    Cli.requireCommand("iptables");
    NetnsLab lab = new NetnsLab();
    try {
      for (int i = 0; i < count; i++) {
        lab.apps.add(lab.newApp());
      }
      return lab;
    } catch (RuntimeException | Error e) {
      lab.close();
      throw e;
    }
  }

  public App app(int index) {
    return apps.get(index);
  }

  private App newApp() {
    int start = (int) ((ProcessHandle.current().pid() * 7 + apps.size() * 13) % ATTEMPTS);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int n = (start + attempt) % ATTEMPTS + 1;
      String hostIf = "pcv" + n + "h";
      Cli.Result link = Cli.run(TIMEOUT, "ip", "link", "add", hostIf, "type", "veth", "peer", "name", "pcv" + n + "a");
      if (!link.ok()) {
        if (link.stderr().contains("Operation not permitted") || link.stderr().contains("Permission denied")) {
          Assumptions.abort("this machine forbids creating network interfaces (" + link.stderr().trim()
                  + "); the netns tests need root with CAP_NET_ADMIN");
        }
        continue; // taken by another run: try the next number
      }
      if (Cli.run(TIMEOUT, "ip", "-4", "-o", "addr", "show", "to", "10.237." + n + ".0/24").stdout().isBlank()) {
        return App.create(n, hostIf);
      }
      Cli.run(TIMEOUT, "ip", "link", "del", hostIf);
    }
    return fail("no free 10.237.N.0/24 subnet for a test namespace");
  }

  @Override
  public void close() {
    apps.forEach(App::close);
    apps.clear();
  }

  /** One app namespace and its veth pair. */
  public static final class App {
    private final String name;
    private final String hostIf;
    private final int n;

    private App(String name, String hostIf, int n) {
      this.name = name;
      this.hostIf = hostIf;
      this.n = n;
    }

    static App create(int n, String hostIf) {
      String name = "pc-app-" + n;
      App app = new App(name, hostIf, n);
      try {
        Cli.run(TIMEOUT, "ip", "netns", "del", name);
        Cli.Result add = Cli.run(TIMEOUT, "ip", "netns", "add", name);
        if (!add.ok()) {
          if (add.stderr().contains("Operation not permitted") || add.stderr().contains("Permission denied")) {
            Assumptions.abort("this machine forbids network namespaces (" + add.stderr().trim() + ")");
          }
          add.requireSuccess();
        }
        run("ip", "link", "set", "pcv" + n + "a", "netns", name);
        run("ip", "addr", "add", app.hostIp() + "/24", "dev", hostIf);
        run("ip", "addr", "add", app.otherHostIp() + "/24", "dev", hostIf);
        run("ip", "link", "set", hostIf, "up");
        app.exec("ip", "addr", "add", app.appIp() + "/24", "dev", "pcv" + n + "a").requireSuccess();
        app.exec("ip", "link", "set", "pcv" + n + "a", "up").requireSuccess();
        app.exec("ip", "link", "set", "lo", "up").requireSuccess();
        app.exec("ip", "route", "add", "default", "via", app.hostIp()).requireSuccess();
        // IPv6 too, without duplicate address detection so the addresses work at once.
        run("ip", "-6", "addr", "add", app.hostIp6() + "/64", "dev", hostIf, "nodad");
        app.exec("ip", "-6", "addr", "add", app.appIp6() + "/64", "dev", "pcv" + n + "a", "nodad").requireSuccess();
        app.exec("ip", "-6", "route", "add", "default", "via", app.hostIp6()).requireSuccess();
        return app;
      } catch (RuntimeException | Error e) {
        app.close();
        throw e;
      }
    }

    public String name() {
      return name;
    }

    /** This namespace's address for the servers and the gateway: the host side of the veth. */
    public String hostIp() {
      return "10.237." + n + ".1";
    }

    /** A second host-side address: "another server" for spoofing tests. */
    public String otherHostIp() {
      return "10.237." + n + ".3";
    }

    public String appIp() {
      return "10.237." + n + ".2";
    }

    /** The host side's IPv6 address (a ULA). */
    public String hostIp6() {
      return "fd00:237:" + Integer.toHexString(n) + "::1";
    }

    public String appIp6() {
      return "fd00:237:" + Integer.toHexString(n) + "::2";
    }

    /** Runs a command inside the namespace. */
    public Cli.Result exec(String... argv) {
      return exec(TIMEOUT, argv);
    }

    public Cli.Result exec(Duration timeout, String... argv) {
      String[] full = new String[argv.length + 4];
      full[0] = "ip";
      full[1] = "netns";
      full[2] = "exec";
      full[3] = name;
      System.arraycopy(argv, 0, full, 4, argv.length);
      return Cli.run(timeout, full);
    }

    /** {@code /etc/hosts} as programs in this namespace see it ({@code ip netns exec} mounts /etc/netns/NAME/hosts). */
    public void hosts(String... lines) {
      try {
        Path dir = Files.createDirectories(Path.of("/etc/netns", name));
        Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n" + String.join("\n", lines) + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** {@code portcullis capture --netns NAME ARGS...}, through the real command line; returns what it printed. */
    public void capture(String... args) {
      String[] argv = new String[args.length + 3];
      argv[0] = "capture";
      argv[1] = "--netns";
      argv[2] = name;
      System.arraycopy(args, 0, argv, 3, args.length);
      int exit = Main.commandLine().execute(argv);
      if (exit != 0) {
        fail("portcullis capture " + String.join(" ", args) + " exited with " + exit);
      }
    }

    void close() {
      Cli.run(TIMEOUT, "ip", "netns", "del", name);
      Cli.run(TIMEOUT, "ip", "link", "del", hostIf);
      Path dir = Path.of("/etc/netns", name);
      if (Files.exists(dir)) {
        try (Stream<Path> files = Files.walk(dir)) {
          for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        } catch (IOException e) {
          // A leftover hosts file is harmless.
        }
      }
    }

    private static void run(String... argv) {
      Cli.run(TIMEOUT, argv).requireSuccess();
    }
  }
}
