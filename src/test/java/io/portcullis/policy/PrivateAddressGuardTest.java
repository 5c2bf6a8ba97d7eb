package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.model.Cidr;
import io.portcullis.model.Endpoint;
import io.portcullis.model.Location;
import io.portcullis.model.Protocol;
import io.portcullis.model.Resolution;
import io.portcullis.model.ResourceId;
import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PrivateAddressGuardTest {
    private static final ServiceEntry BY_NAME = entry(List.of(), List.of());

    private static ServiceEntry entry(List<String> addresses, List<String> endpoints) {
        return new ServiceEntry(new ResourceId("ServiceEntry", "default", "db"), List.of("db.example.test"),
                addresses.stream().map(Cidr::parse).toList(), List.of(new ServicePort(5432, "tcp", Protocol.TCP, 0)),
                Location.MESH_EXTERNAL, Resolution.DNS,
                endpoints.stream().map(a -> new Endpoint(a, Map.of(), Map.of())).toList(), List.of());
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByAddress(HostCanonicalizer.literal(HostCanonicalizer.canonical(literal)));
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1|loopback", "127.255.255.254|loopback", "10.1.2.3|private (RFC 1918, 10", "172.16.0.1|172.16.0.0/12",
            "172.31.255.255|172.16.0.0/12", "192.168.1.1|192.168.0.0/16", "100.64.0.1|carrier-grade NAT",
            "100.100.100.200|carrier-grade NAT", "169.254.169.254|link-local", "0.0.0.0|unspecified",
            "0.1.2.3|unspecified", "224.0.0.1|multicast", "239.255.255.250|multicast", "255.255.255.255|reserved",
            "192.0.0.192|IETF protocol", "198.18.0.1|benchmarking", "[::1]|loopback (::1)", "[::]|unspecified (::)",
            "[fd00::1]|unique-local", "[fc00::1]|unique-local", "[fe80::1]|link-local (fe80", "[ff02::1]|multicast",
            "[fec0::1]|site-local", "[::127.0.0.1]|IPv4-compatible", "[64:ff9b::7f00:1]|carries 127.0.0.1, loopback",
            "[64:ff9b:1::a9fe:a9fe]|carries 169.254.169.254", "[2002:a9fe:a9fe::]|carries 169.254.169.254",
            "[2002:7f00:1::]|carries 127.0.0.1", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]|Teredo",
            "192.0.2.1|documentation (RFC 5737 TEST-NET-1, 192.0.2.0/24)", "198.51.100.7|TEST-NET-2, 198.51.100.0/24",
            "203.0.113.255|TEST-NET-3, 203.0.113.0/24", "[2001:db8::1337]|documentation (RFC 3849, 2001:db8::/32)",
            "[2001:db8:ffff::1]|RFC 3849", "[64:ff9b::c000:201]|carries 192.0.2.1, documentation",
    })
    void specialAddressesAreRefusedWithWhatTheyAre(String address, String kind) throws Exception {
        String refusal = PrivateAddressGuard.STRICT.refusal(ip(address), BY_NAME).orElseThrow();
        assertThat(refusal).contains(kind).contains("ServiceEntry/default/db does not list", "--allow-private is not set");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
            "169.253.255.255", "192.169.0.1", "[2606:4700::1111]", "[64:ff9b::808:808]", "[2002:808:808::]",
            "192.0.1.255", "192.0.3.0", "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0",
            "[2001:db7:ffff::1]", "[2001:db9::1]"})
    void publicAddressesPass(String address) throws Exception {
        assertThat(PrivateAddressGuard.STRICT.refusal(ip(address), BY_NAME)).isEmpty();
        assertThat(PrivateAddressGuard.STRICT.refusal(ip(address), null)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.5", "10.9.9.9"})
    void anEntryOpensTheAddressesItLists(String address) throws Exception {
        ServiceEntry listing = entry(List.of("10.0.0.0/8"), List.of());
        assertThat(PrivateAddressGuard.STRICT.refusal(ip(address), listing)).isEmpty();
        assertThat(PrivateAddressGuard.STRICT.refusal(ip("192.168.0.1"), listing)).get().asString().contains("192.168.0.0/16");
        ServiceEntry endpoint = entry(List.of(), List.of("10.0.0.5"));
        assertThat(PrivateAddressGuard.STRICT.refusal(ip("10.0.0.5"), endpoint)).isEmpty();
        assertThat(PrivateAddressGuard.STRICT.refusal(ip("10.0.0.6"), endpoint)).isPresent();
        assertThat(PrivateAddressGuard.STRICT.refusal(ip("10.0.0.6"), null)).get().asString().contains("no ServiceEntry lists");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.9.9.9"})
    void theOperatorOpensRanges(String address) throws Exception {
        PrivateAddressGuard guard = new PrivateAddressGuard(List.of(Cidr.parse("127.0.0.0/8")));
        assertThat(guard.refusal(ip(address), BY_NAME)).isEmpty();
        assertThat(guard.refusal(ip("10.0.0.1"), BY_NAME)).get().asString().contains("--allow-private 127.0.0.0/8 does not cover it");
        // A range given for IPv4 does not open the same address wrapped in IPv6.
        assertThat(guard.refusal(ip("[64:ff9b::7f00:1]"), BY_NAME)).isPresent();
    }
}
