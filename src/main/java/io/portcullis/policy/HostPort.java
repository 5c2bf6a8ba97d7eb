package io.portcullis.policy;

import io.portcullis.model.AddressText;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A destination as a client named it: a CONNECT authority, an absolute URI's host, a Host header
 * or an SNI, with the port it applies to.
 *
 * @param host    as the client wrote it (normalised by the lookups, not here)
 * @param address the host as an address, when it is an IP literal
 */
public record HostPort(String host, int port, Optional<InetAddress> address) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
    }

    public static HostPort ofName(String host, int port) {
        return new HostPort(host, port, Optional.empty());
    }

    @Override
    public String toString() {
        return AddressText.hostPort(host, port);
    }
}
