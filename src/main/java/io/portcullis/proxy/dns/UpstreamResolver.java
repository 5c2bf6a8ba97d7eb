package io.portcullis.proxy.dns;

import io.netty.channel.EventLoop;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddresses;
import io.netty.util.concurrent.Future;
import io.portcullis.proxy.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous name resolution for upstream connections. {@code --hosts-file} answers first, with
 * every address it lists for the name, in file order; then Netty's DNS resolver (one per event
 * loop, so a lookup never leaves the connection's thread, sharing one cache that honours the
 * answers' TTLs), which reads the system's {@code /etc/hosts} and then asks the configured
 * {@link NameServers} and no others: never a built-in public server.
 *
 * <p>The hosts file and resolv.conf (when the servers are not given by {@code --dns-server}) are
 * read at start and again, on a background thread, within {@link #WATCH_INTERVAL} of a change;
 * the event loops only read the current immutable copies. A resolv.conf that becomes empty or
 * unreadable leaves the servers read last in force (and says so in the log). With no name server
 * at all, only the hosts file answers and every other name fails as a DNS failure: the gateway
 * starts that way only when {@code --hosts-file} is given, the operator's statement that names are
 * answered there or by the IP addresses of ServiceEntry endpoints.
 */
public final class UpstreamResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamResolver.class);
    /** How often the hosts file and resolv.conf are checked for a change. */
    public static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    private final Transport transport;
    private final Optional<Path> hostsPath;
    private final Optional<Path> resolvConf;
    private final DnsCache cache = new DefaultDnsCache();
    /** Netty's resolvers for the current name servers, one per event loop; replaced whole when the servers change. */
    private volatile Map<EventLoop, DnsNameResolver> resolvers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watch;
    private volatile HostsFile hosts = HostsFile.EMPTY;
    private volatile NameServers nameServers;
    private FileStamp hostsStamp;
    private FileStamp resolvStamp;

    /**
     * Reads the hosts file and the name servers now.
     *
     * @param hostsFile {@code --hosts-file}, or null
     * @throws IOException when the hosts file cannot be read
     * @throws NoNameServerException when there is no name server and no hosts file
     */
    public UpstreamResolver(Transport transport, DnsOptions dns, Path hostsFile) throws IOException {
        this.transport = transport;
        this.hostsPath = Optional.ofNullable(hostsFile);
        this.resolvConf = dns.servers().isEmpty() ? Optional.of(dns.resolvConf()) : Optional.empty();
        if (hostsFile != null) {
            hostsStamp = FileStamp.of(hostsFile);
            hosts = HostsFile.read(hostsFile);
            hosts.skipped().forEach(s -> LOG.warn("--hosts-file {}: {} (skipped)", hostsFile, s));
        }
        if (resolvConf.isPresent()) {
            resolvStamp = FileStamp.of(resolvConf.get());
            nameServers = NameServers.read(resolvConf.get());
        } else {
            nameServers = new NameServers(dns.servers(), "--dns-server", null);
        }
        if (nameServers.isEmpty() && hostsFile == null) {
            throw new NoNameServerException("no usable name server: " + nameServers.problem() + ". Give --dns-server"
                    + " ADDR[:PORT] (repeatable), fix " + nameServers.source() + ", or give --hosts-file FILE when every"
                    + " name the gateway connects to is listed there or is an IP endpoint of its ServiceEntry;"
                    + " Portcullis never falls back to a public DNS server");
        }
        if (nameServers.isEmpty()) {
            LOG.warn("no name server ({}): only --hosts-file {} and IP endpoints answer; every other name fails"
                    + " (dns_failure)", nameServers.problem(), hostsFile);
        } else {
            LOG.info("name servers: {}{}", nameServers,
                    nameServers.problem() == null ? "" : "; " + nameServers.problem());
        }
        this.watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dns-files");
            t.setDaemon(true);
            return t;
        });
        if (hostsPath.isPresent() || resolvConf.isPresent()) {
            long every = WATCH_INTERVAL.toMillis();
            // reloadChanged catches and logs its own failures, so the periodic task never ends early.
            ScheduledFuture<?> unused =
                    watch.scheduleWithFixedDelay(this::reloadChanged, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** The name servers asked now (none: only the hosts file answers). */
    public NameServers nameServers() {
        return nameServers;
    }

    /** Resolves {@code name} on {@code loop}; the future completes on that loop. */
    public Future<List<InetAddress>> resolveAll(EventLoop loop, String name) {
        List<InetAddress> listed = hosts.addresses(name);
        if (!listed.isEmpty()) {
            return loop.newSucceededFuture(listed);
        }
        if (nameServers.isEmpty()) {
            return loop.newFailedFuture(new UnknownHostException(name + " is not in --hosts-file and no name server"
                    + " is configured (" + nameServers.problem() + ")"));
        }
        NameServers servers = nameServers;
        return resolvers.computeIfAbsent(loop, l -> newResolver(l, servers)).resolveAll(name);
    }

    private DnsNameResolver newResolver(EventLoop loop, NameServers current) {
        // Fixed for the life of this resolver: a resolver whose provider later named another server
        // never answered (Netty 4.2.18, epoll), so a change of servers builds new resolvers instead.
        DnsServerAddresses addresses = DnsServerAddresses.sequential(current.servers());
        DnsServerAddressStreamProvider servers = host -> addresses.stream();
        return new DnsNameResolverBuilder(loop)
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel())
                .nameServerProvider(servers)
                .hostsFileEntriesResolver(HostsFileEntriesResolver.DEFAULT)
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .resolveCache(cache)
                .queryTimeoutMillis(QUERY_TIMEOUT.toMillis())
                .build();
    }

    /** On the watch thread: reads again what changed since the last look. */
    private void reloadChanged() {
        try {
            hostsPath.ifPresent(this::reloadHosts);
            resolvConf.ifPresent(this::reloadResolvConf);
        } catch (RuntimeException e) {
            LOG.error("re-reading the DNS files failed", e);
        }
    }

    private void reloadHosts(Path file) {
        FileStamp now = FileStamp.of(file);
        if (now.sameAs(hostsStamp)) {
            return;
        }
        hostsStamp = now;
        try {
            HostsFile next = HostsFile.read(file);
            next.skipped().forEach(s -> LOG.warn("--hosts-file {}: {} (skipped)", file, s));
            hosts = next;
            LOG.info("--hosts-file {} read again: {} names", file, next.byName().size());
        } catch (IOException e) {
            LOG.warn("--hosts-file {} cannot be read ({}); the names read last stay in force", file, e.toString());
        }
    }

    private void reloadResolvConf(Path file) {
        FileStamp now = FileStamp.of(file);
        if (now.sameAs(resolvStamp)) {
            return;
        }
        resolvStamp = now;
        NameServers next = NameServers.read(file);
        if (next.isEmpty()) {
            LOG.warn("{}: {}; the name servers read last stay in force: {}", file, next.problem(), nameServers);
            return;
        }
        if (next.servers().equals(nameServers.servers())) {
            return;
        }
        LOG.info("name servers changed: {}", next);
        Map<EventLoop, DnsNameResolver> old = resolvers;
        nameServers = next;
        resolvers = new ConcurrentHashMap<>();
        // Lookups already under way on the old resolvers finish (or time out) first.
        // DnsNameResolver.close() throws nothing checked; nobody waits for the old resolvers to go.
        ScheduledFuture<?> unused = watch.schedule(() -> old.values().forEach(DnsNameResolver::close),
                QUERY_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        watch.shutdownNow();
        resolvers.values().forEach(DnsNameResolver::close);
        resolvers.clear();
    }
}
