package io.portcullis.model;

import java.util.List;

/**
 * {@code networking.istio.io ServiceEntry}: declares an external destination. A connection is
 * allowed only when an entry declares its host (or address) and port.
 *
 * @param hosts     exact names and {@code *.suffix} wildcards, lower-case
 * @param addresses addresses and CIDRs the entry covers, for TCP by address
 */
public record ServiceEntry(
        ResourceId id,
        List<String> hosts,
        List<Cidr> addresses,
        List<ServicePort> ports,
        Location location,
        Resolution resolution,
        List<Endpoint> endpoints,
        List<String> exportTo) implements Resource {

    public ServiceEntry {
        hosts = List.copyOf(hosts);
        addresses = List.copyOf(addresses);
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
        exportTo = List.copyOf(exportTo);
    }
}
