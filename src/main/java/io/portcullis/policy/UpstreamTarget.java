package io.portcullis.policy;

import io.portcullis.model.AddressText;
import java.net.InetAddress;
import java.util.List;

/**
 * Where an allowed connection goes: candidates tried in order. A candidate is either an address
 * already known (from endpoints, entry addresses or an IP the client named and an entry covers)
 * or a name the data plane resolves per connection.
 */
public record UpstreamTarget(List<Candidate> candidates) {
    public UpstreamTarget {
        candidates = List.copyOf(candidates);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("an upstream target needs a candidate");
        }
    }

    public static UpstreamTarget ofName(String name, int port) {
        return new UpstreamTarget(List.of(Candidate.ofName(name, port)));
    }

    public static UpstreamTarget ofAddress(InetAddress address, int port) {
        return new UpstreamTarget(List.of(Candidate.ofAddress(address, port)));
    }

    /** Exactly one of {@code name} and {@code address} is set. */
    public record Candidate(String name, InetAddress address, int port) {
        public static Candidate ofName(String name, int port) {
            return new Candidate(name, null, port);
        }

        public static Candidate ofAddress(InetAddress address, int port) {
            return new Candidate(null, address, port);
        }

        @Override
        public String toString() {
            return AddressText.hostPort(name != null ? name : AddressText.address(address), port);
        }
    }
}
