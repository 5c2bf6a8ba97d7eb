package io.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Squid (Debian's {@code squid}) as the "external HTTPS proxy" of Istio's http-proxy task:
 * the task's {@code proxy.conf}, listening on {@code ip:3128}, with its own {@code hosts_file} so
 * the names it tunnels to need no DNS, logs and pid in a temp dir, no cache. {@link #close} stops it.
 */
final class SquidProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Thread reaper;

    private SquidProcess(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
        this.reaper = new Thread(process::destroyForcibly, "squid-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    static SquidProcess start(InetAddress ip, Map<String, String> hosts) throws IOException {
        String squid = Cli.requireCommand("squid").toString();
        // Squid started as root runs as the user "proxy": its files live in a folder that user can write.
        Path dir = Files.createTempDirectory("squid", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        StringBuilder hostsFile = new StringBuilder();
        hosts.forEach((name, addr) -> hostsFile.append(addr).append(' ').append(name).append('\n'));
        Files.writeString(dir.resolve("hosts"), hostsFile);
        Path conf = dir.resolve("squid.conf");
        Files.writeString(conf, """
                http_port %s:3128

                acl SSL_ports port 443
                acl CONNECT method CONNECT

                http_access deny CONNECT !SSL_ports
                http_access allow localhost manager
                http_access deny manager
                http_access allow all

                coredump_dir %s
                cache deny all
                hosts_file %s
                dns_nameservers 127.0.0.1
                access_log stdio:%s
                cache_log %s
                pid_filename %s
                shutdown_lifetime 0 seconds
                """.formatted(ip.getHostAddress(), dir, dir.resolve("hosts"), dir.resolve("access.log"),
                dir.resolve("cache.log"), dir.resolve("squid.pid")));
        Process p = new ProcessBuilder(squid, "-N", "-f", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        SquidProcess s = new SquidProcess(p, dir);
        try {
            await().atMost(Duration.ofSeconds(30)).alias("squid listening on " + ip.getHostAddress() + ":3128")
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new AssertionError("squid exited: " + s.logs());
                        }
                        try (Socket probe = new Socket()) {
                            probe.connect(new InetSocketAddress(ip, 3128), 1000);
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Squid's access log (written as each tunnel ends). */
    String accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private String logs() {
        try {
            return Files.readString(dir.resolve("stdout.log")) + (Files.exists(dir.resolve("cache.log"))
                    ? Files.readString(dir.resolve("cache.log")) : "");
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Runtime.getRuntime().removeShutdownHook(reaper);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A leftover temp folder is harmless; the test's outcome does not depend on it.
        }
    }
}
