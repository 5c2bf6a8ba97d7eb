package io.portcullis.proxy.dns;

import io.netty.channel.EventLoop;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.concurrent.Future;
import io.portcullis.proxy.Transport;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asynchronous name resolution for upstream connections: Netty's DNS resolver, one per event
 * loop so a lookup never leaves the connection's thread, sharing one cache that honours the
 * answers' TTLs. {@code --hosts-file} entries answer first, then the system's hosts file, then
 * the name servers of {@code /etc/resolv.conf}.
 */
public final class UpstreamResolver implements AutoCloseable {
    private final Transport transport;
    private final HostsFileEntriesResolver hosts;
    private final DnsCache cache = new DefaultDnsCache();
    private final Map<EventLoop, DnsNameResolver> resolvers = new ConcurrentHashMap<>();

    public UpstreamResolver(Transport transport, HostsFileEntriesResolver hosts) {
        this.transport = transport;
        this.hosts = hosts == null ? HostsFileEntriesResolver.DEFAULT : hosts;
    }

    /** Resolves {@code name} on {@code loop}; the future completes on that loop. */
    public Future<List<InetAddress>> resolveAll(EventLoop loop, String name) {
        return resolvers.computeIfAbsent(loop, this::newResolver).resolveAll(name);
    }

    private DnsNameResolver newResolver(EventLoop loop) {
        return new DnsNameResolverBuilder(loop)
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel())
                .nameServerProvider(DnsServerAddressStreamProviders.platformDefault())
                .hostsFileEntriesResolver(hosts)
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .resolveCache(cache)
                .queryTimeoutMillis(5_000)
                .build();
    }

    @Override
    public void close() {
        resolvers.values().forEach(DnsNameResolver::close);
        resolvers.clear();
    }
}
