package io.portcullis.cli;

import io.portcullis.MeshOptions;
import io.portcullis.Portcullis;
import io.portcullis.RunOptions;
import io.portcullis.model.Cidr;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.Transport;
import io.portcullis.proxy.dns.DnsOptions;
import io.portcullis.proxy.dns.NameServers;
import io.portcullis.proxy.dns.NoNameServerException;
import io.portcullis.telemetry.AccessLogFormat;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code portcullis run}: the gateway, until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the egress gateway.",
                "Everything the Istio resources in --config do not declare is denied. Changes to that folder",
                "apply within a second, without a restart, to new connections."},
        footer = {"", "Example:", "  ./portcullis run --config ./egress --hosts-file ./hosts",
                "  curl -x http://127.0.0.1:3128 https://www.googleapis.com/"})
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "DIR",
            description = "Folder of Istio YAML/JSON (*.yaml, *.yml, *.json); created when missing.")
    Path config;

    @Option(names = "--proxy-address", paramLabel = "ADDR", defaultValue = "0.0.0.0",
            description = "Address of the explicit proxy (HTTP forward + CONNECT). Default: ${DEFAULT-VALUE}.")
    String proxyAddress;

    @Option(names = "--proxy-port", paramLabel = "PORT", defaultValue = "3128",
            description = "Port of the explicit proxy; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int proxyPort;

    @Option(names = "--gateway-address", paramLabel = "ADDR", defaultValue = "0.0.0.0",
            description = "Address the listeners of Gateway servers bind to. Default: ${DEFAULT-VALUE}.")
    String gatewayAddress;

    @Option(names = "--admin", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:15000",
            description = "Admin endpoint: the resources API of apply/get/delete/check, /healthz/ready."
                    + " Default: ${DEFAULT-VALUE}. Other than loopback needs --admin-token-file.")
    String admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the bearer token admin requests must carry (Authorization: Bearer ...);"
                    + " required when --admin is not a loopback address.")
    Path adminTokenFile;

    @Option(names = "--hosts-file", paramLabel = "FILE",
            description = "'IP NAME...' lines that answer before the system resolver (tests, air-gapped sites): every"
                    + " address listed for a name, in file order; read again when it changes.")
    Path hostsFile;

    // Name servers (issue 11): only these are ever asked; never a built-in public server.
    @Option(names = "--dns-server", paramLabel = "ADDR[:PORT]",
            description = {"A name server to ask instead of those of --resolv-conf (repeatable, in order; port 53 by"
                    + " default; [v6-address]:PORT for IPv6)."})
    List<String> dnsServers = new ArrayList<>();

    @Option(names = "--resolv-conf", paramLabel = "FILE", defaultValue = "/etc/resolv.conf",
            description = "Where the name servers are read from without --dns-server; read again when it changes."
                    + " With no usable one the gateway refuses to start, unless --hosts-file is given."
                    + " Default: ${DEFAULT-VALUE}.")
    Path resolvConf;

    @Option(names = "--outbound-policy", paramLabel = "MODE", defaultValue = "REGISTRY_ONLY",
            description = "REGISTRY_ONLY (deny what is not declared) or ALLOW_ANY (allow and log it). Default: ${DEFAULT-VALUE}.")
    OutboundPolicy outboundPolicy;

    @Option(names = "--access-log", paramLabel = "FILE", description = "Append access-log lines here instead of stdout.")
    Path accessLog;

    @Option(names = "--access-log-format", paramLabel = "FORMAT", defaultValue = "text",
            converter = AccessLogFormatConverter.class,
            description = "text (Envoy's default format), json (one JSON object per line) or logfmt (key=value). Default: ${DEFAULT-VALUE}.")
    AccessLogFormat accessLogFormat;

    @Option(names = "--max-label-values", paramLabel = "N", defaultValue = "500",
            description = "Distinct client-chosen values per metric label (undeclared destinations, commands, "
                    + "collections) before further ones are counted as 'other'. Default: ${DEFAULT-VALUE}.")
    int maxLabelValues;

    @Option(names = "--max-header-size", paramLabel = "BYTES", defaultValue = "65536",
            description = "Largest request head accepted (431 above). Default: ${DEFAULT-VALUE}.")
    int maxHeaderSize;

    @Option(names = "--max-client-hello", paramLabel = "BYTES", defaultValue = "16384",
            description = "Largest TLS ClientHello accepted. Default: ${DEFAULT-VALUE}.")
    int maxClientHello;

    @Option(names = "--inspect-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Time allowed for a complete ClientHello or request head. Default: ${DEFAULT-VALUE}.")
    Duration inspectTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
            description = "Close connections idle this long. Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Give up connecting upstream after this. Default: ${DEFAULT-VALUE}.")
    Duration connectTimeout;

    @Option(names = "--allow-private", paramLabel = "CIDR", split = ",",
            description = {"Let allowed destinations reach this loopback/private/link-local/... range (repeatable).",
                    "By default such addresses are refused unless the ServiceEntry lists them (SSRF guard)."})
    List<String> allowPrivate = new ArrayList<>();

    @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
            description = "Data-plane event loops; 0 means one per core. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "gateway", converter = RoleConverter.class,
            description = "gateway (explicit proxy + Gateway listeners) or sidecar (capture listener in a workload's"
                    + " network namespace; see portcullis capture). Default: ${DEFAULT-VALUE}.")
    MeshOptions.Role role;

    @Option(names = "--mesh-certs", paramLabel = "DIR",
            description = "This process's mesh identity: cert-chain.pem, key.pem, root-cert.pem (portcullis ca issue)."
                    + " Also what the paths /etc/certs/{cert-chain,key,root-cert}.pem in the YAML stand for.")
    Path meshCerts;

    @Option(names = "--capture-port", paramLabel = "PORT", defaultValue = "15001",
            description = "Sidecar: the port iptables redirects outbound TCP to. Default: ${DEFAULT-VALUE}.")
    int capturePort;

    @Option(names = "--capture-address", paramLabel = "ADDR", split = ",", defaultValue = "127.0.0.1,::1",
            description = "Sidecar: addresses of the capture listener (REDIRECT delivers to loopback). Default: ${DEFAULT-VALUE}.")
    List<String> captureAddresses;

    @Option(names = "--on-mismatch", paramLabel = "ACTION", defaultValue = "refuse", converter = OnMismatchConverter.class,
            description = "Sidecar: when an SNI or Host names an allowed host that does not resolve to the address the"
                    + " app connected to: refuse (sni_mismatch/host_mismatch) or reroute to what the name resolves"
                    + " to. Default: ${DEFAULT-VALUE}.")
    MeshOptions.OnMismatch onMismatch;

    @Override
    public Integer call() throws Exception {
        if (proxyPort < 0 || proxyPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--proxy-port: " + proxyPort + " out of range (expected: 0-65535)");
        }
        if (maxHeaderSize < 1024 || maxClientHello < 512) {
            throw new ParameterException(spec.commandLine(),
                    "--max-header-size must be >= 1024 and --max-client-hello >= 512");
        }
        if (maxLabelValues < 1) {
            throw new ParameterException(spec.commandLine(), "--max-label-values: " + maxLabelValues + " (expected: > 0)");
        }
        if (hostsFile != null && !Files.isReadable(hostsFile)) {
            throw new ParameterException(spec.commandLine(), "--hosts-file: cannot read " + hostsFile);
        }
        DnsOptions dns;
        try {
            dns = new DnsOptions(NameServers.ofFlags(dnsServers).servers(), resolvConf);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--dns-server: " + e.getMessage());
        }
        InetSocketAddress adminBind = HostPort.parse(admin, "--admin");
        AdminTokenCheck.check(spec.commandLine(), admin, adminBind, adminTokenFile);
        List<Cidr> allowed = new ArrayList<>();
        for (String cidr : allowPrivate) {
            try {
                allowed.add(Cidr.parse(cidr));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--allow-private: " + e.getMessage());
            }
        }
        if (capturePort < 0 || capturePort > 65535) {
            throw new ParameterException(spec.commandLine(), "--capture-port: " + capturePort + " out of range (expected: 0-65535)");
        }
        if (meshCerts != null && !Files.isDirectory(meshCerts)) {
            throw new ParameterException(spec.commandLine(), "--mesh-certs: " + meshCerts + " is not a folder");
        }
        List<InetSocketAddress> captureBinds = new ArrayList<>();
        for (String a : captureAddresses) {
            captureBinds.add(new InetSocketAddress(InetAddress.getByName(a.trim()), capturePort));
        }
        MeshOptions mesh = new MeshOptions(role, meshCerts, captureBinds, onMismatch, Duration.ofSeconds(5));
        try {
            Transport.configured();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "-D" + Transport.PROPERTY + ": " + e.getMessage());
        }
        ProxySettings settings = new ProxySettings(InetAddress.getByName(gatewayAddress), maxHeaderSize, maxClientHello,
                inspectTimeout, idleTimeout, connectTimeout);
        RunOptions options = new RunOptions(config, new InetSocketAddress(proxyAddress, proxyPort),
                adminBind, hostsFile, outboundPolicy, accessLog, settings, workers,
                accessLogFormat, maxLabelValues, adminTokenFile, allowed, mesh, dns);
        Portcullis gateway;
        try {
            gateway = Portcullis.start(options);
        } catch (NoNameServerException e) {
            throw new CliException("error: " + e.getMessage());
        }
        ReopenOnHangup.install(gateway::reopenAccessLog);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    /** {@code gateway} or {@code sidecar}, in lower case as written on the command line. */
    static final class RoleConverter implements ITypeConverter<MeshOptions.Role> {
        @Override
        public MeshOptions.Role convert(String value) {
            try {
                return MeshOptions.Role.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a role (expected: gateway or sidecar)");
            }
        }
    }

    /** {@code refuse} or {@code reroute}. */
    static final class OnMismatchConverter implements ITypeConverter<MeshOptions.OnMismatch> {
        @Override
        public MeshOptions.OnMismatch convert(String value) {
            try {
                return MeshOptions.OnMismatch.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not an action (expected: refuse or reroute)");
            }
        }
    }
}
