package io.portcullis.bench.jmh;

import io.portcullis.model.Cidr;
import io.portcullis.model.Location;
import io.portcullis.model.Protocol;
import io.portcullis.model.Resolution;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ResourceSet;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A configuration of {@code n} ServiceEntries for the lookup and compile benchmarks: entry
 * {@code i} declares either the exact host {@code svc-i.team-(i % 1000).example.com} (even i) or
 * the wildcard {@code *.zone-i.example.net} (odd i), and the address {@code 10.x.y.z/32} that
 * encodes i, all on port 443.
 */
final class SyntheticEntries {
    static final int PORT = 443;

    private SyntheticEntries() {
    }

    static ResourceSet of(int n) {
        List<ServiceEntry> entries = new ArrayList<>(n);
        List<ServicePort> ports = List.of(new ServicePort(PORT, "tls", Protocol.TLS, 0));
        for (int i = 0; i < n; i++) {
            entries.add(new ServiceEntry(new ResourceId("ServiceEntry", "default", "entry-" + i), List.of(host(i)),
                    List.of(Cidr.parse(address(i) + "/32")), ports, Location.MESH_EXTERNAL, Resolution.NONE,
                    List.of(), List.of()));
        }
        return new ResourceSet(entries, List.of(), List.of(), List.of(), Map.of());
    }

    static String host(int i) {
        return i % 2 == 0 ? "svc-" + i + ".team-" + (i % 1000) + ".example.com" : "*.zone-" + i + ".example.net";
    }

    /** A name entry {@code i} allows: itself, or one name under its wildcard. */
    static String matchingName(int i) {
        return i % 2 == 0 ? host(i) : "api.eu-west.zone-" + i + ".example.net";
    }

    static String address(int i) {
        return "10." + ((i >> 16) & 255) + "." + ((i >> 8) & 255) + "." + (i & 255);
    }
}
