package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 11, defects 8 and 9: IPv4-mapped ranges in entries, and IPv6 literals in what the policy tells people. */
class Ipv6AddressPolicyTest {
    private static EgressPolicy compile(String addresses) {
        LoadResult result = FolderLoader.fromFiles(Map.of("se.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: mapped}
                spec:
                  hosts: [mapped.example.test]
                  addresses: %s
                  ports: [{number: 5432, name: tcp, protocol: TCP}]
                  resolution: NONE
                """.formatted(addresses)));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    @Test
    void aMappedRangeOf96OrLongerAllowsTheIpv4AddressesItDenotes() throws Exception {
        EgressPolicy p = compile("[\"::ffff:10.0.0.0/104\"]");
        assertThat(p.decideAddress(InetAddress.getByName("10.20.30.40"), 5432).allowed()).isTrue();
        assertThat(p.decideAddress(InetAddress.getByName("11.0.0.1"), 5432).allowed()).isFalse();
        assertThat(compile("[\"::ffff:0:0/96\"]").decideAddress(InetAddress.getByName("192.0.2.1"), 5432).allowed())
                .isTrue();
    }

    @Test
    void aShortMappedPrefixStaysIpv6() throws Exception {
        EgressPolicy p = compile("[\"::ffff:0:0/16\"]");
        assertThat(p.decideAddress(InetAddress.getByName("0.0.7.7"), 5432).allowed()).as("not 0.0.0.0/16").isFalse();
        assertThat(p.decideAddress(InetAddress.getByName("::7"), 5432).allowed()).isTrue();
    }

    @Test
    void aRefusedIpv6AddressIsBracketedInRfc5952Form() throws Exception {
        Decision d = compile("[\"10.0.0.0/8\"]").decideAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1337"), 1337);
        assertThat(d.message()).isEqualTo("no ServiceEntry allows [2001:db8::1337]:1337");
        Explanation e = compile("[\"10.0.0.0/8\"]").explain(CheckQuery.parse("[2001:DB8:0:0::1337]:1337", null, null));
        assertThat(e.path()).isEqualTo("explicit proxy (CONNECT [2001:db8::1337]:1337)");
        assertThat(e.decision().message()).isEqualTo("no ServiceEntry allows [2001:db8::1337]:1337");
    }
}
