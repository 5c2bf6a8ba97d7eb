package io.portcullis;

import io.portcullis.model.Cidr;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@code portcullis run} is started with.
 *
 * @param hostsFile     null for the system resolver only
 * @param accessLogFile null for stdout
 * @param workerThreads event loops for the data plane (0: one per core)
 * @param allowPrivate  {@code --allow-private}: loopback/private/link-local ranges the SSRF guard lets
 *                      through for every entry (empty: only addresses an entry lists itself)
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
        List<Cidr> allowPrivate) {

    public RunOptions {
        allowPrivate = List.copyOf(allowPrivate);
    }

    /** Without {@code --allow-private}: the SSRF guard refuses every special-purpose address no entry lists. */
    public RunOptions(Path configDir, InetSocketAddress proxyBind, InetSocketAddress adminBind, Path hostsFile,
                      OutboundPolicy outboundPolicy, Path accessLogFile, ProxySettings proxySettings, int workerThreads) {
        this(configDir, proxyBind, adminBind, hostsFile, outboundPolicy, accessLogFile, proxySettings, workerThreads,
                List.of());
    }
}
