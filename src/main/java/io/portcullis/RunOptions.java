package io.portcullis;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Everything {@code portcullis run} is started with.
 *
 * @param hostsFile     null for the system resolver only
 * @param accessLogFile null for stdout
 * @param workerThreads event loops for the data plane (0: one per core)
 * @param accessLogFormat Envoy's text format or one JSON object per line
 * @param maxLabelValues distinct client-chosen values per metric label before the rest count as {@code other}
 * @param adminTokenFile the bearer token the admin API requires; null for none (loopback binds only)
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
        Path adminTokenFile) {

    /** The options with the default access-log format and label budget, and no admin token. */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads,
                AccessLogFormat.TEXT, GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null);
    }

    /** A copy with an admin token file. */
    public RunOptions withAdminTokenFile(Path tokenFile) {
        return new RunOptions(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings,
                workerThreads, accessLogFormat, maxLabelValues, tokenFile);
    }
}
