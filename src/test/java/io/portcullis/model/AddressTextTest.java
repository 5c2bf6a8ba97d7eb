package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 11, defect 9: the one formatter for addresses and host:port that people read. */
class AddressTextTest {
    @ParameterizedTest(name = "{0} port {1} is {2}")
    @CsvSource(delimiter = '|', value = {
            "2001:db8:0:0:0:0:0:1337|1337|[2001:db8::1337]:1337",
            "[2001:DB8::0:1]|443|[2001:db8::1]:443",
            "2001:db8:0:0:1:0:0:1|80|[2001:db8::1:0:0:1]:80",
            "::ffff:192.0.2.1|80|[192.0.2.1]:80",
            "fe80:0:0:0:0:0:0:1|22|[fe80::1]:22",
            "192.0.2.1|8080|192.0.2.1:8080",
            "www.example.com|443|www.example.com:443",
    })
    void hostPortBracketsIpv6InRfc5952Form(String host, int port, String expected) {
        assertThat(AddressText.hostPort(host, port)).isEqualTo(expected);
    }

    @Test
    void socketAddresses() throws Exception {
        assertThat(AddressText.hostPort(new InetSocketAddress(InetAddress.getByName("2001:db8::1337"), 1337)))
                .isEqualTo("[2001:db8::1337]:1337");
        assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("::"), 3128))).isEqualTo("[::]:3128");
        assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))).isEqualTo("127.0.0.1:0");
        assertThat(AddressText.of(InetSocketAddress.createUnresolved("db.example.test", 5432)))
                .isEqualTo("db.example.test:5432");
        assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("255.254.0.10"), 65535)))
                .isEqualTo("255.254.0.10:65535");
        assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("::ffff:192.0.2.7"), 80)))
                .as("IPv4-mapped: the IPv4 address it reaches").isEqualTo("192.0.2.7:80");
    }

    @Test
    void addressesAlone() throws Exception {
        assertThat(AddressText.address(InetAddress.getByName("2001:db8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
        assertThat(AddressText.address(InetAddress.getByName("1:0:0:1:0:0:0:1"))).isEqualTo("1:0:0:1::1");
        assertThat(AddressText.address(InetAddress.getByName("0:0:0:0:0:0:0:1"))).isEqualTo("::1");
    }
}
