package io.portcullis;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Everything {@code portcullis run} is started with.
 *
 * @param hostsFile     null for the system resolver only
 * @param accessLogFile null for stdout
 * @param workerThreads event loops for the data plane (0: one per core)
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
        Path adminTokenFile) {

    /** Without an admin token: the admin endpoint must then be on a loopback address. */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads, null);
    }
}
