package io.portcullis.model;

/** {@code ServiceEntry.resolution}: how the gateway finds the addresses behind a host. */
public enum Resolution {
    /** Use the address the client asked for; at the gateway, resolve the requested name per connection. */
    NONE,
    /** Use the entry's endpoints. */
    STATIC,
    /** Resolve the entry's host (or its endpoints' names) through DNS. */
    DNS,
    /** As DNS, but one connection-level answer, as Istio's DNS_ROUND_ROBIN. */
    DNS_ROUND_ROBIN,
    /** A wildcard host resolved per connection from the SNI or Host it was matched with. */
    DYNAMIC_DNS
}
