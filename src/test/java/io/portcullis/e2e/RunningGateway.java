package io.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import io.portcullis.Portcullis;
import io.portcullis.RunOptions;
import io.portcullis.model.Cidr;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.TempConfigDir;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A real gateway started in this JVM on free loopback ports, with its own config folder and
 * hosts file, and the access-log lines it writes, for the end-to-end tests.
 *
 * <p>The test origins listen on 127.0.0.1 and the hosts file points every name there, so these
 * gateways run with {@code --allow-private 127.0.0.0/8}, as an operator with loopback origins
 * would; the SSRF guard's own tests start theirs with {@link #start(Options)} and a narrower range.
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
        Map<String, String> hosts = new LinkedHashMap<>();
        for (String name : hostNames) {
            hosts.put(name, "127.0.0.1");
        }
        return start(new Options(mode, settings, List.of(Cidr.parse("127.0.0.0/8")), hosts));
    }

    /**
     * How to start a gateway.
     *
     * @param allowPrivate {@code --allow-private} ranges
     * @param hosts        name to IP, written to the {@code --hosts-file}
     */
    record Options(OutboundPolicy mode, ProxySettings settings, List<Cidr> allowPrivate, Map<String, String> hosts) {
        static Options defaults() {
            return new Options(OutboundPolicy.REGISTRY_ONLY, ProxySettings.defaults(InetAddress.getLoopbackAddress()),
                    List.of(Cidr.parse("127.0.0.0/8")), Map.of());
        }

        Options withAllowPrivate(String... cidrs) {
            return new Options(mode, settings, Arrays.stream(cidrs).map(Cidr::parse).toList(), hosts);
        }

        Options withHost(String name, String ip) {
            Map<String, String> more = new LinkedHashMap<>(hosts);
            more.put(name, ip);
            return new Options(mode, settings, allowPrivate, more);
        }

        Options withMode(OutboundPolicy m) {
            return new Options(m, settings, allowPrivate, hosts);
        }

        Options withSettings(ProxySettings s) {
            return new Options(mode, s, allowPrivate, hosts);
        }
    }

    static RunningGateway start(Options o) throws Exception {
        TempConfigDir config = TempConfigDir.create();
        Path hosts = Files.createTempFile("portcullis-hosts", ".txt");
        StringBuilder sb = new StringBuilder();
        o.hosts().forEach((name, ip) -> sb.append(ip).append(' ').append(name).append('\n'));
        Files.writeString(hosts, sb.toString());
        Path accessLog = Files.createTempFile("portcullis-access", ".log");
        RunOptions options = new RunOptions(config.path(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hosts, o.mode(), accessLog, o.settings(), 2, o.allowPrivate());
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
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.generation() > before);
    }

    /** Waits for an access-log line that satisfies {@code test} and returns it. */
    String awaitAccessLine(Predicate<String> test) {
        await().atMost(Duration.ofSeconds(5)).alias("an access-log line among " + accessLines)
                .until(() -> accessLines.stream().anyMatch(test));
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
