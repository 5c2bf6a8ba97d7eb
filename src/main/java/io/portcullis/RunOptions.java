package io.portcullis;

import io.portcullis.admin.AdminTls;
import io.portcullis.learn.LearnSettings;
import io.portcullis.model.Cidr;
import io.portcullis.policy.GatewayLabels;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.dns.DnsOptions;
import io.portcullis.sources.kubernetes.KubernetesSettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code portcullis run} is started with.
 *
 * @param hostsFile     null for the system resolver only
 * @param accessLogFile null for stdout
 * @param workerThreads event loops for the data plane (0: one per core)
 * @param accessLogFormat Envoy's text format or one JSON object per line
 * @param maxLabelValues distinct client-chosen values per metric label before the rest count as {@code other}
 * @param adminTokenFile the bearer token the admin API requires; null for none (loopback binds only)
 * @param allowPrivate  {@code --allow-private}: loopback/private/link-local ranges the SSRF guard lets
 *                      through for every entry (empty: only addresses an entry lists itself)
 * @param mesh          role, mesh identity and capture settings
 * @param learn         what the learner keeps (candidates, recent connections) and where it saves them
 * @param gatewayLabels this instance's labels, which decide the Gateways it serves ({@code --gateway-labels})
 * @param adminTls      HTTPS for the admin API ({@code --admin-tls-cert}, {@code --admin-tls-key}); empty for HTTP
 * @param kubernetes    {@code --source kubernetes}: how to reach the API server; empty: the folder {@code configDir}
 * @param dns           {@code --dns-server} and {@code --resolv-conf}: the only name servers asked
 */
public record RunOptions(
        Path configDir,
        InetSocketAddress proxyBind,
        InetSocketAddress adminBind,
        Path hostsFile,
        OutboundPolicy outboundPolicy,
        Path accessLogFile,
        ProxySettings proxySettings,
        int workerThreads,
        AccessLogFormat accessLogFormat,
        int maxLabelValues,
        Path adminTokenFile,
        List<Cidr> allowPrivate,
        MeshOptions mesh,
        LearnSettings learn,
        GatewayLabels gatewayLabels,
        Optional<AdminTls> adminTls,
        Optional<KubernetesSettings> kubernetes,
        DnsOptions dns) {

    public RunOptions {
        allowPrivate = List.copyOf(allowPrivate);
    }

    /**
     * With the learner's default limits, in memory only (no state file: {@code run} names one), and
     * without labels (every Gateway is served) or admin TLS.
     */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads,
                      AccessLogFormat accessLogFormat, int maxLabelValues, Path adminTokenFile, List<Cidr> allowPrivate,
                      MeshOptions mesh) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads,
                accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh,
                LearnSettings.inMemory(), GatewayLabels.unset(), Optional.empty(),
                Optional.empty(), DnsOptions.system());
    }

    /**
     * The defaults: a gateway outside any mesh, Envoy's text log, the default label budget, no
     * admin token, no private range allowed.
     */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads,
                AccessLogFormat.TEXT, GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, List.of(), MeshOptions.gateway());
    }

    /** A copy with an admin token file. */
    public RunOptions withAdminTokenFile(Path tokenFile) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, tokenFile, allowPrivate, mesh, learn, gatewayLabels,
                adminTls, kubernetes, dns);
    }

    /** A copy whose SSRF guard lets {@code ranges} through. */
    public RunOptions withAllowPrivate(List<Cidr> ranges) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, ranges, mesh, learn, gatewayLabels,
                adminTls, kubernetes, dns);
    }

    /** A copy in another mesh role or with another identity. */
    public RunOptions withMesh(MeshOptions m) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, m, learn, gatewayLabels,
                adminTls, kubernetes, dns);
    }

    /** A copy with other learner settings. */
    public RunOptions withLearn(LearnSettings l) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, l, gatewayLabels,
                adminTls, kubernetes, dns);
    }

    /** A copy with these instance labels. */
    public RunOptions withGatewayLabels(GatewayLabels labels) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, learn, labels,
                adminTls, kubernetes, dns);
    }

    /** A copy whose admin API serves HTTPS with these files. */
    public RunOptions withAdminTls(AdminTls tls) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, learn, gatewayLabels,
                Optional.of(tls), kubernetes, dns);
    }

    /** A copy that reads its resources from the Kubernetes API server instead of a folder. */
    public RunOptions withKubernetes(KubernetesSettings k) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, learn, gatewayLabels,
                adminTls, Optional.of(k), dns);
    }

    /** A copy that asks these name servers. */
    public RunOptions withDns(DnsOptions d) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, learn, gatewayLabels,
                adminTls, kubernetes, d);
    }
}
