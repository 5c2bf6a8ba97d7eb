package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which upstream addresses reach one of the gateway's own listeners (defect 7 of issue 11). */
class OwnListenersTest {
    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void aListenerOnLoopbackIsReachedByItsAddressAndTheUnspecifiedOneOnly() throws Exception {
        try (OwnListeners own = new OwnListeners()) {
            own.add(at("127.0.0.1", 3128), "explicit proxy");
            assertThat(own.describe(at("127.0.0.1", 3128))).contains("explicit proxy on 127.0.0.1:3128");
            assertThat(own.describe(at("0.0.0.0", 3128))).isPresent();
            assertThat(own.describe(at("::ffff:127.0.0.1", 3128))).isPresent();
            assertThat(own.describe(at("127.0.0.2", 3128))).as("another loopback address").isEmpty();
            assertThat(own.describe(at("127.0.0.1", 3129))).as("another port").isEmpty();
            assertThat(own.describe(at("::1", 3128))).as("the other family's loopback").isEmpty();
        }
    }

    @Test
    void aWildcardListenerIsReachedByEveryAddressOfThisHost() throws Exception {
        try (OwnListeners own = new OwnListeners()) {
            own.add(at("0.0.0.0", 15000), "admin endpoint");
            assertThat(own.describe(at("127.0.0.1", 15000))).contains("admin endpoint on 0.0.0.0:15000");
            assertThat(own.describe(at("127.9.8.7", 15000))).isPresent();
            assertThat(own.describe(at("::1", 15000))).isPresent();
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    assertThat(own.describe(new InetSocketAddress(a, 15000))).as(a.toString()).isPresent();
                }
            }
            assertThat(own.describe(at("192.0.2.1", 15000))).as("a documentation address, not this host's").isEmpty();
            assertThat(own.describe(at("8.8.8.8", 15000))).isEmpty();
        }
    }

    @Test
    void aRemovedListenerIsNoLongerRefused() throws Exception {
        try (OwnListeners own = new OwnListeners()) {
            own.add(at("127.0.0.1", 8443), "listener of Gateway server port 8443");
            own.remove(at("127.0.0.1", 8443));
            assertThat(own.describe(at("127.0.0.1", 8443))).isEqualTo(Optional.empty());
        }
    }
}
