package io.portcullis;

import io.portcullis.model.Cidr;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.dns.DnsOptions;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

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
        DnsOptions dns) {

    public RunOptions {
        allowPrivate = List.copyOf(allowPrivate);
    }

    /** Name servers from the system's {@code /etc/resolv.conf}. */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads,
                      AccessLogFormat accessLogFormat, int maxLabelValues, Path adminTokenFile, List<Cidr> allowPrivate,
                      MeshOptions mesh) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads,
                accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, DnsOptions.system());
    }

    /** A copy asking other name servers. */
    public RunOptions withDns(DnsOptions d) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, mesh, d);
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
                workerThreads, accessLogFormat, maxLabelValues, tokenFile, allowPrivate, mesh, dns);
    }

    /** A copy whose SSRF guard lets {@code ranges} through. */
    public RunOptions withAllowPrivate(List<Cidr> ranges) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, ranges, mesh, dns);
    }

    /** A copy in another mesh role or with another identity. */
    public RunOptions withMesh(MeshOptions m) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, adminTokenFile, allowPrivate, m, dns);
    }
}
