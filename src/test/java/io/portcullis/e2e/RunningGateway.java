package io.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import io.portcullis.MeshOptions;
import io.portcullis.Portcullis;
import io.portcullis.RunOptions;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.TempConfigDir;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A real gateway started in this JVM on free loopback ports, with its own config folder and
 * hosts file, and the access-log lines it writes, for the end-to-end tests.
 */
final class RunningGateway implements AutoCloseable {
    final TempConfigDir config;
    final Portcullis gateway;
    final Path hostsFile;
    private final List<String> accessLines = new CopyOnWriteArrayList<>();

    private RunningGateway(TempConfigDir config, Path hostsFile, Portcullis gateway) {
        this.config = config;
        this.hostsFile = hostsFile;
        this.gateway = gateway;
        gateway.accessLog().subscribe(accessLines::add);
    }

    static RunningGateway start(String... hostNames) throws Exception {
        return start(OutboundPolicy.REGISTRY_ONLY, ProxySettings.defaults(InetAddress.getLoopbackAddress()), hostNames);
    }

    static RunningGateway start(OutboundPolicy mode, ProxySettings settings, String... hostNames) throws Exception {
        return start(mode, settings, MeshOptions.gateway(), hostNames);
    }

    /** A gateway with a mesh identity ({@code --mesh-certs}) or in another role; {@code hostNames} resolve to 127.0.0.1. */
    static RunningGateway start(OutboundPolicy mode, ProxySettings settings, MeshOptions mesh, String... hostNames)
            throws Exception {
        List<String> lines = new ArrayList<>();
        for (String name : hostNames) {
            lines.add("127.0.0.1 " + name);
        }
        return startWithHosts(mode, settings, mesh, lines);
    }

    /** Like {@link #start(OutboundPolicy, ProxySettings, MeshOptions, String...)} with whole {@code IP NAME} lines. */
    static RunningGateway startWithHosts(OutboundPolicy mode, ProxySettings settings, MeshOptions mesh,
                                         List<String> hostsLines) throws Exception {
        TempConfigDir config = TempConfigDir.create();
        Path hosts = Files.createTempFile("portcullis-hosts", ".txt");
        Files.writeString(hosts, String.join("\n", hostsLines) + "\n");
        Path accessLog = Files.createTempFile("portcullis-access", ".log");
        RunOptions options = new RunOptions(config.path(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hosts, mode, accessLog, settings, 2, mesh);
        return new RunningGateway(config, hosts, Portcullis.start(options));
    }

    String proxyUrl() {
        return "http://127.0.0.1:" + gateway.proxyAddress().getPort();
    }

    int proxyPort() {
        return gateway.proxyAddress().getPort();
    }

    /** Writes a config file and waits until the gateway has applied a new configuration. */
    void apply(String fileName, String yaml) {
        long before = gateway.generation();
        config.write(fileName, yaml);
        awaitGenerationAfter(before);
    }

    void remove(String fileName) {
        long before = gateway.generation();
        config.delete(fileName);
        awaitGenerationAfter(before);
    }

    void awaitGenerationAfter(long before) {
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.generation() > before);
    }

    /** Waits for an access-log line that satisfies {@code test} and returns it. */
    String awaitAccessLine(Predicate<String> test) {
        await().atMost(Duration.ofSeconds(30)).until(() -> accessLines.stream().anyMatch(test));
        return accessLines.stream().filter(test).findFirst().orElseThrow();
    }

    List<String> accessLines() {
        return List.copyOf(accessLines);
    }

    @Override
    public void close() throws IOException {
        gateway.close();
        config.close();
        Files.deleteIfExists(hostsFile);
    }
}
