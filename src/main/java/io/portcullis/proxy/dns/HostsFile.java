package io.portcullis.proxy.dns;

import io.netty.resolver.HostsFileEntriesProvider;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --hosts-file}: {@code IP NAME…} lines that answer before the system's hosts file and
 * DNS, so tests and air-gapped sites need no real DNS.
 */
public final class HostsFile implements HostsFileEntriesResolver {
    private final Map<String, List<InetAddress>> v4;
    private final Map<String, List<InetAddress>> v6;
    private final HostsFileEntriesResolver fallback;

    private HostsFile(HostsFileEntriesProvider entries, HostsFileEntriesResolver fallback) {
        this.v4 = entries.ipv4Entries();
        this.v6 = entries.ipv6Entries();
        this.fallback = fallback;
    }

    /** Reads {@code file}; the system hosts file answers for names it lacks. */
    public static HostsFile read(Path file) throws IOException {
        return new HostsFile(HostsFileEntriesProvider.parser().parse(file.toFile()), HostsFileEntriesResolver.DEFAULT);
    }

    @Override
    public InetAddress address(String inetHost, ResolvedAddressTypes types) {
        String name = inetHost.toLowerCase(Locale.ROOT);
        List<InetAddress> first = types == ResolvedAddressTypes.IPV6_ONLY || types == ResolvedAddressTypes.IPV6_PREFERRED
                ? v6.get(name) : v4.get(name);
        List<InetAddress> second = first == v6.get(name) ? v4.get(name) : v6.get(name);
        if (first != null && !first.isEmpty()) {
            return first.get(0);
        }
        if (second != null && !second.isEmpty() && types != ResolvedAddressTypes.IPV4_ONLY
                && !(types == ResolvedAddressTypes.IPV6_ONLY && second.get(0) instanceof Inet4Address)) {
            return second.get(0);
        }
        return fallback.address(inetHost, types);
    }
}
