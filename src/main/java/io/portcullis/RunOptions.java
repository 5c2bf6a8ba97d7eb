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
 * @param mesh          role, mesh identity and capture settings
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
        MeshOptions mesh) {

    /** A gateway outside any mesh. */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads,
                MeshOptions.gateway());
    }
}
