package io.portcullis.policy;

import io.portcullis.model.Cidr;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lookups from (host name | address) × port to the ServiceEntry port that declares it.
 * When two entries declare the same host and port, the first in configuration order wins,
 * as the older resource wins in Istio. Immutable once built.
 */
final class ServiceEntryIndex {
    private final Map<Integer, HostTrie<PortBinding>> hostsByPort = new HashMap<>();
    private final Map<Integer, AddressTrie<PortBinding>> addressesByPort = new HashMap<>();
    private final HostTrie<ServiceEntry> hostsAnyPort = new HostTrie<>();

    /** Which of an entry's hosts a caller may reach on a port (a Sidecar's imports); see {@link NamespaceScope}. */
    @FunctionalInterface
    interface HostFilter {
        boolean admits(ServiceEntry entry, String host, int port);
    }

    ServiceEntryIndex(List<ServiceEntry> entries) {
        this(entries, (e, h, p) -> true);
    }

    /** An index of {@code entries} holding only the hosts (and, for an entry with any host admitted, addresses) {@code filter} admits. */
    ServiceEntryIndex(List<ServiceEntry> entries, HostFilter filter) {
        for (ServiceEntry entry : entries) {
            boolean anyHost = false;
            for (ServicePort port : entry.ports()) {
                PortBinding binding = new PortBinding(entry, port);
                boolean admitted = false;
                for (String host : entry.hosts()) {
                    if (filter.admits(entry, host, port.number())) {
                        hostsByPort.computeIfAbsent(port.number(), p -> new HostTrie<>()).putIfAbsent(host, binding);
                        admitted = true;
                    }
                }
                if (admitted) {
                    anyHost = true;
                    for (Cidr cidr : entry.addresses()) {
                        addressesByPort.computeIfAbsent(port.number(), p -> new AddressTrie<>()).putIfAbsent(cidr, binding);
                    }
                }
            }
            if (anyHost || entry.ports().isEmpty()) {
                for (String host : entry.hosts()) {
                    hostsAnyPort.putIfAbsent(host, entry);
                }
            }
        }
    }

    /** The binding for a normalised host name on a port, or null. */
    PortBinding byHost(String host, int port) {
        HostTrie<PortBinding> trie = hostsByPort.get(port);
        return trie == null ? null : trie.match(host);
    }

    /** The binding for an address on a port (longest prefix), or null. */
    PortBinding byAddress(byte[] address, int port) {
        AddressTrie<PortBinding> trie = addressesByPort.get(port);
        return trie == null ? null : trie.match(address);
    }

    /** The most specific entry declaring the host on any port, or null. */
    ServiceEntry entryForHost(String host) {
        return hostsAnyPort.match(host);
    }

    /** Ports of {@code entry}, for messages that say what almost matched. */
    static List<Integer> portNumbers(ServiceEntry entry) {
        List<Integer> ports = new ArrayList<>();
        entry.ports().forEach(p -> ports.add(p.number()));
        return ports;
    }
}
