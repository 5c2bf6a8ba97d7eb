package io.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import io.portcullis.MeshOptions;
import io.portcullis.Portcullis;
import io.portcullis.RunOptions;
import io.portcullis.learn.LearnSettings;
import io.portcullis.proxy.dns.DnsOptions;
import io.portcullis.model.Cidr;
import io.portcullis.admin.AdminTls;
import io.portcullis.policy.GatewayLabels;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.TempConfigDir;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * A real gateway started in this JVM on free loopback ports, with its own config folder and
 * hosts file, and the access-log lines it writes, for the end-to-end tests.
 *
 * <p>The test origins listen on 127.0.0.1 and the hosts file points every name there, so these
 * gateways run with {@code --allow-private 127.0.0.0/8}, as an operator with loopback origins
 * would; the SSRF guard's own tests start theirs with {@link #start(Options)} and a narrower range.
 */
final class RunningGateway implements AutoCloseable {
    /** Free ports picked for Gateway servers before another process takes one are tried this often. */
    private static final int BIND_ATTEMPTS = 5;

    final TempConfigDir config;
    final Portcullis gateway;
    final Path hostsFile;
    final Path accessLogFile;
    private final List<String> accessLines = new CopyOnWriteArrayList<>();

    private RunningGateway(TempConfigDir config, Path hostsFile, Path accessLogFile, Portcullis gateway) {
        this.config = config;
        this.hostsFile = hostsFile;
        this.accessLogFile = accessLogFile;
        this.gateway = gateway;
        gateway.accessLog().subscribe(accessLines::add);
    }

    static RunningGateway start(String... hostNames) throws Exception {
        return start(OutboundPolicy.REGISTRY_ONLY, ProxySettings.defaults(InetAddress.getLoopbackAddress()), hostNames);
    }

    static RunningGateway start(OutboundPolicy mode, ProxySettings settings, String... hostNames) throws Exception {
        return start(TempConfigDir.create(), null, mode, settings, AccessLogFormat.TEXT,
                GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, hostNames);
    }

    /** A default gateway writing its access log in logfmt ({@code key=value}), which some tests read. */
    static RunningGateway startLogfmt(String... hostNames) throws Exception {
        return start(OutboundPolicy.REGISTRY_ONLY, ProxySettings.defaults(InetAddress.getLoopbackAddress()),
                AccessLogFormat.LOGFMT, GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, hostNames);
    }

    static RunningGateway start(OutboundPolicy mode, ProxySettings settings, AccessLogFormat format, int maxLabelValues,
                                String... hostNames) throws Exception {
        return start(TempConfigDir.create(), null, mode, settings, format, maxLabelValues, hostNames);
    }

    /** A gateway on {@code config} (which it deletes on {@link #close}), requiring {@code adminTokenFile} when not null. */
    static RunningGateway start(TempConfigDir config, Path adminTokenFile, OutboundPolicy mode, ProxySettings settings,
                                String... hostNames) throws Exception {
        return start(config, adminTokenFile, mode, settings, AccessLogFormat.TEXT, GatewayMetrics.DEFAULT_MAX_LABEL_VALUES,
                hostNames);
    }

    static RunningGateway start(TempConfigDir config, Path adminTokenFile, OutboundPolicy mode, ProxySettings settings,
                                AccessLogFormat format, int maxLabelValues, String... hostNames) throws Exception {
        Map<String, String> hosts = new LinkedHashMap<>();
        for (String name : hostNames) {
            hosts.put(name, "127.0.0.1");
        }
        return start(config, new Options(mode, settings, List.of(Cidr.parse("127.0.0.0/8")), hosts, format,
                maxLabelValues, adminTokenFile, MeshOptions.gateway()));
    }

    /**
     * How to start a gateway.
     *
     * @param allowPrivate {@code --allow-private} ranges
     * @param hosts        name to IP, written to the {@code --hosts-file}
     */
    record Options(OutboundPolicy mode, ProxySettings settings, List<Cidr> allowPrivate, Map<String, String> hosts,
                   AccessLogFormat format, int maxLabelValues, Path adminTokenFile, MeshOptions mesh,
                   GatewayLabels labels, Optional<AdminTls> adminTls) {
        Options(OutboundPolicy mode, ProxySettings settings, List<Cidr> allowPrivate, Map<String, String> hosts,
                AccessLogFormat format, int maxLabelValues, Path adminTokenFile, MeshOptions mesh) {
            this(mode, settings, allowPrivate, hosts, format, maxLabelValues, adminTokenFile, mesh, GatewayLabels.unset(),
                    Optional.empty());
        }

        /** The admin API over HTTPS, requiring {@code tokenFile}'s token. */
        Options withAdminTls(AdminTls tls, Path tokenFile) {
            return new Options(mode, settings, allowPrivate, hosts, format, maxLabelValues, tokenFile, mesh, labels,
                    Optional.of(tls));
        }

        static Options defaults() {
            return new Options(OutboundPolicy.REGISTRY_ONLY, ProxySettings.defaults(InetAddress.getLoopbackAddress()),
                    List.of(Cidr.parse("127.0.0.0/8")), Map.of(), AccessLogFormat.TEXT,
                    GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, MeshOptions.gateway());
        }

        Options withLabels(GatewayLabels l) {
            return new Options(mode, settings, allowPrivate, hosts, format, maxLabelValues, adminTokenFile, mesh, l, adminTls);
        }

        Options withAllowPrivate(String... cidrs) {
            return new Options(mode, settings, Arrays.stream(cidrs).map(Cidr::parse).toList(), hosts, format,
                    maxLabelValues, adminTokenFile, mesh, labels, adminTls);
        }

        Options withHost(String name, String ip) {
            Map<String, String> more = new LinkedHashMap<>(hosts);
            more.put(name, ip);
            return new Options(mode, settings, allowPrivate, more, format, maxLabelValues, adminTokenFile, mesh, labels, adminTls);
        }

        Options withMode(OutboundPolicy m) {
            return new Options(m, settings, allowPrivate, hosts, format, maxLabelValues, adminTokenFile, mesh, labels, adminTls);
        }

        Options withSettings(ProxySettings s) {
            return new Options(mode, s, allowPrivate, hosts, format, maxLabelValues, adminTokenFile, mesh, labels, adminTls);
        }
    }

    static RunningGateway start(Options o) throws Exception {
        return start(TempConfigDir.create(), o);
    }

    static RunningGateway start(TempConfigDir config, Options o) throws Exception {
        return start(config, o, java.util.function.UnaryOperator.identity());
    }

    /** A gateway that follows the Kubernetes API server {@code kubernetes} names instead of its folder. */
    static RunningGateway startKubernetes(io.portcullis.sources.kubernetes.KubernetesSettings kubernetes,
                                          String... hostNames) throws Exception {
        Map<String, String> hosts = new LinkedHashMap<>();
        for (String name : hostNames) {
            hosts.put(name, "127.0.0.1");
        }
        Options o = Options.defaults();
        return start(TempConfigDir.create(), new Options(o.mode(), o.settings(), o.allowPrivate(), hosts, o.format(),
                o.maxLabelValues(), null, o.mesh()), options -> options.withKubernetes(kubernetes));
    }

    private static RunningGateway start(TempConfigDir config, Options o, java.util.function.UnaryOperator<RunOptions> more)
            throws Exception {
        Path hosts = Files.createTempFile("portcullis-hosts", ".txt");
        StringBuilder sb = new StringBuilder();
        o.hosts().forEach((name, ip) -> sb.append(ip).append(' ').append(name).append('\n'));
        Files.writeString(hosts, sb.toString());
        Path accessLog = Files.createTempFile("portcullis-access", ".log");
        RunOptions options = new RunOptions(config.path(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hosts, o.mode(), accessLog, o.settings(), 2, o.format(), o.maxLabelValues(), o.adminTokenFile(),
                o.allowPrivate(), o.mesh(), LearnSettings.defaults(config.path()).withStateFile(null), o.labels(),
                o.adminTls(), Optional.empty(), DnsOptions.system());
        return new RunningGateway(config, hosts, accessLog, Portcullis.start(more.apply(options)));
    }

    /**
     * A gateway with a mesh identity ({@code --mesh-certs}) or in another role; {@code hostNames}
     * resolve to 127.0.0.1. The mesh tests read its access log in the logfmt format.
     */
    static RunningGateway start(OutboundPolicy mode, ProxySettings settings, MeshOptions mesh, String... hostNames)
            throws Exception {
        List<String> lines = new ArrayList<>();
        for (String name : hostNames) {
            lines.add("127.0.0.1 " + name);
        }
        return startWithHosts(mode, settings, mesh, lines);
    }

    /**
     * Like {@link #start(OutboundPolicy, ProxySettings, MeshOptions, String...)} with whole
     * {@code IP NAME} lines; the network-namespace tests' addresses (10/8, ULA) are let through
     * the SSRF guard, as an operator of such a private network would.
     */
    static RunningGateway startWithHosts(OutboundPolicy mode, ProxySettings settings, MeshOptions mesh,
                                         List<String> hostsLines) throws Exception {
        Map<String, String> hosts = new LinkedHashMap<>();
        for (String line : hostsLines) {
            String[] parts = line.trim().split("\\s+");
            for (int i = 1; i < parts.length; i++) {
                hosts.put(parts[i], parts[0]);
            }
        }
        return start(TempConfigDir.create(), new Options(mode, settings,
                List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("fc00::/7")), hosts,
                AccessLogFormat.LOGFMT, GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, mesh));
    }

    String proxyUrl() {
        return "http://127.0.0.1:" + gateway.proxyAddress().getPort();
    }

    /** The admin API, for {@code --server}. */
    String adminUrl() {
        return "http://127.0.0.1:" + gateway.adminAddress().getPort();
    }

    /** The admin API of a gateway started with admin TLS. */
    String adminHttpsUrl() {
        return "https://127.0.0.1:" + gateway.adminAddress().getPort();
    }

    /** Stops the gateway and starts a new one on the same folder, as a restart of the process would. */
    RunningGateway restart(Path adminTokenFile, String... hostNames) throws Exception {
        gateway.close();
        Files.deleteIfExists(hostsFile);
        return start(config, adminTokenFile, OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getLoopbackAddress()), hostNames);
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

    /**
     * Applies {@code yaml} for a Gateway server whose port the YAML must name in advance: picks a
     * free port, applies, and when the gateway could not bind it (another process took it between
     * the pick and the bind) applies again with a new one. Returns the port its listener is bound on.
     */
    int applyOnFreePort(String fileName, IntFunction<String> yaml) {
        return applyOnFreePorts(fileName, 1, ports -> yaml.apply(ports.get(0))).get(0);
    }

    /** As {@link #applyOnFreePort} for {@code count} Gateway ports; returns them in order. */
    List<Integer> applyOnFreePorts(String fileName, int count, Function<List<Integer>, String> yaml) {
        return applyOnPorts(fileName, count, FreePorts::pick, yaml);
    }

    /** As {@link #applyOnFreePorts} with the ports picked by {@code picker} (a test of the retry gives taken ones). */
    List<Integer> applyOnPorts(String fileName, int count, IntSupplier picker, Function<List<Integer>, String> yaml) {
        for (int attempt = 1; ; attempt++) {
            List<Integer> ports = IntStream.range(0, count).map(i -> picker.getAsInt()).boxed().toList();
            apply(fileName, yaml.apply(ports));
            // reconcile() binds before the configuration counts as applied: the answer is known now.
            if (gateway.server().gatewayListeners().keySet().containsAll(ports)) {
                return ports;
            }
            if (attempt == BIND_ATTEMPTS) {
                throw new AssertionError("the gateway could not bind Gateway ports in " + BIND_ATTEMPTS
                        + " attempts; last: " + ports);
            }
        }
    }

    void remove(String fileName) {
        long before = gateway.generation();
        config.delete(fileName);
        awaitGenerationAfter(before);
    }

    void awaitGenerationAfter(long before) {
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.generation() > before);
    }

    /** Waits for a default-format access-log line that satisfies {@code test} and returns it, parsed. */
    EnvoyAccessLine awaitAccess(Predicate<EnvoyAccessLine> test) {
        Predicate<String> parsed = l -> test.test(EnvoyAccessLine.parse(l));
        return EnvoyAccessLine.parse(awaitAccessLine(parsed));
    }

    /** Waits for a raw access-log line that satisfies {@code test} and returns it. */
    String awaitAccessLine(Predicate<String> test) {
        await().atMost(Duration.ofSeconds(30)).alias("an access-log line among " + accessLines)
                .until(() -> accessLines.stream().anyMatch(test));
        return accessLines.stream().filter(test).findFirst().orElseThrow();
    }

    List<String> accessLines() {
        return List.copyOf(accessLines);
    }

    /** Scrapes the admin endpoint's {@code /stats/prometheus}. */
    PrometheusScrape scrape() {
        return PrometheusScrape.from(gateway.adminAddress());
    }

    @Override
    public void close() throws IOException {
        gateway.close();
        config.close();
        Files.deleteIfExists(hostsFile);
        Files.deleteIfExists(accessLogFile);
    }
}
