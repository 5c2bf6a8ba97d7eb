package io.portcullis.proxy.dns;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the gateway's names come from.
 *
 * @param servers    {@code --dns-server}: when not empty, these and only these, and resolv.conf is not read
 * @param resolvConf {@code --resolv-conf}: the file whose {@code nameserver} lines are used otherwise,
 *                   read at start and again whenever it changes
 */
public record DnsOptions(List<InetSocketAddress> servers, Path resolvConf) {
    public static final Path SYSTEM_RESOLV_CONF = Path.of("/etc/resolv.conf");

    public DnsOptions {
        servers = List.copyOf(servers);
    }

    /** The system's {@code /etc/resolv.conf}. */
    public static DnsOptions system() {
        return new DnsOptions(List.of(), SYSTEM_RESOLV_CONF);
    }
}
