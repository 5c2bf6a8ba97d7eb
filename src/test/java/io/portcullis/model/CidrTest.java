package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 11, defect 8: IPv6 text keeps IPv6 meaning; a mapped prefix of /96 or longer also covers its IPv4 range. */
class CidrTest {
    private static byte[] ip(String literal) throws Exception {
        return InetAddress.getByName(literal).getAddress();
    }

    @Test
    void aShortMappedPrefixIsAnIpv6PrefixNotAnIpv4One() throws Exception {
        Cidr c = Cidr.parse("::ffff:0:0/16");
        assertThat(c.isIpv4()).isFalse();
        assertThat(c.prefixLength()).isEqualTo(16);
        assertThat(c).hasToString("::/16");
        assertThat(c.contains(ip("0.0.1.1"))).as("not 0.0.0.0/16").isFalse();
        assertThat(c.contains(ip("0.0.0.0"))).isFalse();
        assertThat(c.contains(ip("::5"))).isTrue();
        assertThat(c.ipv4Equivalent()).isEmpty();
    }

    @ParameterizedTest(name = "{0} covers {1}, not {2}")
    @CsvSource({
            "::ffff:0:0/96, 203.0.113.9, 2001:db8::1, ::ffff:0.0.0.0/96, 0.0.0.0/0",
            "::FFFF:10.0.0.0/104, 10.200.3.4, 11.0.0.1, ::ffff:10.0.0.0/104, 10.0.0.0/8",
            "::ffff:c000:0200/120, 192.0.2.77, 192.0.3.1, ::ffff:192.0.2.0/120, 192.0.2.0/24",
            "::ffff:127.0.0.1, 127.0.0.1, 127.0.0.2, ::ffff:127.0.0.1/128, 127.0.0.1/32",
    })
    void aMappedPrefixOf96OrLongerCoversItsIpv4Range(String text, String inside, String outside, String shown,
                                                     String ipv4) throws Exception {
        Cidr c = Cidr.parse(text);
        assertThat(c.isIpv4()).isFalse();
        assertThat(c).hasToString(shown);
        assertThat(c.contains(ip(inside))).isTrue();
        assertThat(c.contains(ip(outside))).isFalse();
        assertThat(c.ipv4Equivalent()).map(Cidr::toString).contains(ipv4);
        assertThat(Cidr.parse(shown)).isEqualTo(c);
    }

    @Test
    void ipv6PrefixesAreWrittenInRfc5952Form() {
        assertThat(Cidr.parse("2001:0DB8:0:0::/32")).hasToString("2001:db8::/32");
        assertThat(Cidr.parse("fe80:0:0:0:0:0:0:1")).hasToString("fe80::1/128");
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse("::127.0.0.1")).hasToString("::7f00:1/128");
    }

    @Test
    void aMappedPrefixLongerThan128IsRefusedWithTheIpv6Range() {
        assertThatThrownBy(() -> Cidr.parse("::ffff:0:0/129")).hasMessage(
                "\"::ffff:0:0/129\" is not a CIDR (expected: prefix 0-128)");
    }

    @Test
    void aServiceEntryAcceptsIstiosMappedRangeAndKeepsIpv6Meaning() {
        ServiceEntry se = Fixtures.single("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: mapped}
                spec:
                  hosts: [mapped.example.test]
                  addresses: ["::ffff:0:0/96", "::ffff:0:0/16"]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: NONE
                """, ServiceEntry.class);
        assertThat(se.addresses()).map(Cidr::toString).containsExactly("::ffff:0.0.0.0/96", "::/16");
    }

    /**
     * The hand-written dotted-quad parser (no regex, no JDK lookup) reads what the JDK's literal
     * parser reads, leading zeros aside (refused: {@code DottedQuadTest}).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.1", "192.0.2.200"})
    void dottedQuadsGiveTheJdksBytes(String literal) throws Exception {
        assertThat(Cidr.literalBytes(literal)).containsExactly(ip(literal));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.0004", "1.2.3.-4", "1.2.3.x",
        "example.com", "010.0.0.1", "01.02.03.004"})
    void otherTextIsNotADottedQuad(String text) {
        assertThat(Cidr.literalBytes(text)).isNull();
    }

    @Test
    void containsComparesUnderTheMaskAndASingleAddressIsBuiltOnce() throws Exception {
        Cidr range = Cidr.parse("10.64.0.0/10");
        assertThat(range.contains(ip("10.127.255.255"))).isTrue();
        assertThat(range.contains(ip("10.128.0.0"))).isFalse();
        assertThat(range.contains(ip("10.63.255.255"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("203.0.113.1"))).isTrue();
        assertThat(range.singleAddress()).isEmpty();
        Cidr one = Cidr.parse("2001:db8::7");
        assertThat(one.singleAddress()).contains(InetAddress.getByName("2001:db8::7"));
        assertThat(one.singleAddress().get()).isSameAs(one.singleAddress().get());
    }

    @Test
    void anEndpointParsesItsLiteralOnce() throws Exception {
        Endpoint literal = new Endpoint("192.0.2.10", java.util.Map.of(), java.util.Map.of());
        assertThat(literal.literal()).contains(InetAddress.getByName("192.0.2.10"));
        assertThat(literal.isLiteral(ip("192.0.2.10"))).isTrue();
        assertThat(literal.isLiteral(ip("192.0.2.11"))).isFalse();
        Endpoint name = new Endpoint("db.example.com", java.util.Map.of(), java.util.Map.of());
        assertThat(name.literal()).isEmpty();
        assertThat(name.isLiteral(ip("192.0.2.10"))).isFalse();
        assertThat(literal).isEqualTo(new Endpoint("192.0.2.10", java.util.Map.of(), java.util.Map.of()))
                .hasToString("Endpoint[address=192.0.2.10, ports={}, labels={}]");
    }
}
