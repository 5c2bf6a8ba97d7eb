package io.portcullis.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ServiceEntry.endpoints[]} (Istio's {@code WorkloadEntry}). Immutable; equal by address,
 * ports and labels, like the record it was. An IP-literal address is parsed once, here, so that
 * the per-connection lookups ({@link #literal}, {@link #isLiteral}) never parse text.
 */
public final class Endpoint {
    private final String address;
    private final Map<String, Integer> ports;
    private final Map<String, String> labels;
    /** The literal's bytes (an IPv4-mapped literal gives its 4 IPv4 bytes), or null for a DNS name. */
    private final byte[] literalBytes;
    private final InetAddress literal;

    /**
     * @param address an IP literal or a DNS name
     * @param ports   port name to the endpoint's port for that service port; empty when unchanged
     */
    public Endpoint(String address, Map<String, Integer> ports, Map<String, String> labels) {
        this.address = address;
        this.ports = Map.copyOf(ports);
        this.labels = Map.copyOf(labels);
        // A missing address (already reported as an error) is no literal.
        this.literalBytes = address == null ? null : Cidr.literalBytes(address);
        this.literal = literalBytes == null ? null : inetAddress(literalBytes);
    }

    private static InetAddress inetAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes expected", e);
        }
    }

    /** An IP literal or a DNS name, as written. */
    public String address() {
        return address;
    }

    public Map<String, Integer> ports() {
        return ports;
    }

    public Map<String, String> labels() {
        return labels;
    }

    /** The address, when it is an IP literal (an IPv4-mapped one gives the IPv4 address it reaches). */
    public Optional<InetAddress> literal() {
        return Optional.ofNullable(literal);
    }

    /** Whether the address is the IP literal {@code bytes} (4 or 16 bytes); allocates nothing. */
    public boolean isLiteral(byte[] bytes) {
        return literalBytes != null && Arrays.equals(literalBytes, bytes);
    }

    /** The port this endpoint serves {@code port} on. */
    public int portFor(ServicePort port) {
        Integer p = port.name() == null ? null : ports.get(port.name());
        return p != null ? p : port.upstreamPort();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && Objects.equals(e.address, address) && e.ports.equals(ports) && e.labels.equals(labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, ports, labels);
    }

    @Override
    public String toString() {
        return "Endpoint[address=" + address + ", ports=" + ports + ", labels=" + labels + "]";
    }
}
