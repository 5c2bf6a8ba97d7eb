package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A record's addresses are kept as given and written as text once, the way the access log always wrote them. */
class LoggedAddressTest {

    @Test
    void socketAddressesAreWrittenAsTheAccessLogWritesThem() throws Exception {
        assertThat(LoggedAddress.of(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 80)).text())
                .isEqualTo("192.0.2.1:80");
        assertThat(LoggedAddress.of(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 443)).text())
                .isEqualTo("[2001:db8::1]:443");
        assertThat(LoggedAddress.of(new InetSocketAddress(InetAddress.getByName("::ffff:192.0.2.7"), 22)).text())
                .isEqualTo("192.0.2.7:22");
        assertThat(LoggedAddress.of(InetSocketAddress.createUnresolved("books.example", 443)).text())
                .isEqualTo("books.example:443");
        assertThat(LoggedAddress.of(null)).isSameAs(LoggedAddress.NONE);
        assertThat(LoggedAddress.NONE.text()).isEqualTo("-");
    }

    @Test
    void aHostAndPortAreWrittenWithAnIpv6LiteralBracketed() {
        assertThat(LoggedAddress.of("books.example", 443).text()).isEqualTo("books.example:443");
        assertThat(LoggedAddress.of("2001:DB8:0::1", 8443).text()).isEqualTo("[2001:db8::1]:8443");
        assertThat(LoggedAddress.of(null, 443)).isSameAs(LoggedAddress.NONE);
        assertThat(LoggedAddress.text("10.0.0.7:40000").text()).isEqualTo("10.0.0.7:40000");
    }

    @Test
    void theTextIsWrittenOnceAndThenShared() {
        LoggedAddress a = LoggedAddress.of(new InetSocketAddress("127.0.0.1", 40001));
        String first = a.text();
        assertThat(a.text()).isSameAs(first);
        assertThat(a).isEqualTo(LoggedAddress.text("127.0.0.1:40001")).hasSameHashCodeAs(LoggedAddress.text(first));
    }

    @Test
    void aRecordFromTheLogCarriesEveryAddressAsTextOnceForEveryReader() throws Exception {
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("10.0.0.2", 41234),
                new InetSocketAddress("127.0.0.1", 3128), ConnectionObserver.NONE, null);
        log.request("CONNECT", "-", "HTTP/1.1", "curl/8", null, null);
        log.requested("books.example", 443);
        log.decided(new Verdict.Refusal(Reason.NO_SERVICE_ENTRY, "no", Optional.empty(), Optional.empty()));
        log.upstream(new InetSocketAddress(InetAddress.getByName("2001:db8::5"), 443));
        log.upstreamLocal(new InetSocketAddress("127.0.0.1", 50000));
        log.responded(403);

        ConnectionRecord r = log.snapshot();

        assertThat(r.downstreamRemote()).isEqualTo("10.0.0.2:41234");
        assertThat(r.downstreamLocal()).isEqualTo("127.0.0.1:3128");
        assertThat(r.upstreamHost()).isEqualTo("[2001:db8::5]:443");
        assertThat(r.upstreamLocal()).isEqualTo("127.0.0.1:50000");
        assertThat(r.originalDestination()).isEqualTo("-");
        assertThat(r.requested()).isEqualTo("books.example:443");
        // The authority of the CONNECT is the destination it requested: one text for both fields, and for each later read.
        assertThat(r.authority()).isSameAs(r.requested());
        assertThat(r.downstreamRemote()).isSameAs(r.downstreamRemote());
        assertThat(r).isEqualTo(new ConnectionRecord(r.start(), r.durationMillis(), "proxy_3128", "10.0.0.2:41234",
                "127.0.0.1:3128", "CONNECT", "-", "HTTP/1.1", 403, "curl/8", "-", "-", "books.example:443", "-",
                Reason.NO_SERVICE_ENTRY, "no", null, r.destination(), "[2001:db8::5]:443", "127.0.0.1:50000",
                0, 0, 1, "-", "books.example:443", "-"));
    }

    @Test
    void aCapturedConnectionsOriginalDestinationIsItsLocalAddressToo() {
        ConnectionLog log = new ConnectionLog("capture_15001", new InetSocketAddress("10.0.0.2", 41234),
                new InetSocketAddress("127.0.0.1", 15001), ConnectionObserver.NONE, null);
        log.originalDestination(new InetSocketAddress("10.1.2.3", 6379));

        ConnectionRecord r = log.snapshot();

        assertThat(r.downstreamLocal()).isEqualTo("10.1.2.3:6379").isSameAs(r.originalDestination());
        assertThat(r.authority()).isEqualTo("-");
        assertThat(r.requested()).isEqualTo("-");
        assertThat(r.upstreamHost()).isEqualTo("-");
    }
}
