package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Listener addresses in the start-up lines, as the README and operators write them. */
class ListenAddressTest {
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
            "0.0.0.0, 3128, 0.0.0.0:3128",
            "127.0.0.1, 15000, 127.0.0.1:15000",
            "::, 3128, '[::]:3128'",
            "0:0:0:0:0:0:0:1, 15000, '[::1]:15000'",
            "2001:DB8:0:0:1:0:0:1, 443, '[2001:db8::1:0:0:1]:443'",
            "fe80:0:0:0:0:0:0:1, 80, '[fe80::1]:80'"})
    void addressesReadAsPeopleWriteThem(String host, int port, String expected) {
        assertThat(ListenAddress.of(new InetSocketAddress(host, port))).isEqualTo(expected);
    }

    @Test
    void theRequestedAddressIsReportedWithThePortTheSystemChose() {
        // A socket bound to 0.0.0.0 may report the IPv6 wildcard (a dual-stack socket) and port 0 means "any".
        InetSocketAddress bound = new InetSocketAddress("::", 40123);
        InetSocketAddress reported = ListenAddress.requestedWithPort(new InetSocketAddress("0.0.0.0", 0), bound);
        assertThat(ListenAddress.of(reported)).isEqualTo("0.0.0.0:40123");
    }
}
