package io.portcullis.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, defect 6: where the name servers come from, and that nothing else ever stands in for them. */
class NameServersTest {
    @Test
    void readsTheNameserverLinesOfResolvConfInOrder() {
        NameServers ns = NameServers.parse("""
                # generated
                search example.internal
                nameserver 10.0.0.2
                nameserver fd00::53
                nameserver fe80::1%eth0
                nameserver 10.0.0.2
                nameserver dns.example
                options ndots:5
                """, "/etc/resolv.conf");
        assertThat(ns.servers()).containsExactly(new InetSocketAddress("10.0.0.2", 53),
                new InetSocketAddress("fd00::53", 53), new InetSocketAddress("fe80::1", 53));
        assertThat(ns.problem()).isEqualTo("ignored nameserver dns.example (not an IP address)");
        assertThat(ns).hasToString("10.0.0.2:53, [fd00::53]:53, [fe80::1]:53 (from /etc/resolv.conf)");
    }

    @Test
    void anEmptyOrUnreadableResolvConfGivesNoServerAtAllNeverAPublicOne(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("resolv.conf"), "# nothing here\nsearch x\n");
        NameServers none = NameServers.read(empty);
        assertThat(none.servers()).isEmpty();
        assertThat(none.problem()).isEqualTo(empty + " lists no usable nameserver");
        NameServers missing = NameServers.read(dir.resolve("absent"));
        assertThat(missing.servers()).isEmpty();
        assertThat(missing.problem()).startsWith("cannot read " + dir.resolve("absent") + ": java.nio.file.NoSuchFileException");
        // A folder where the file should be: unreadable as text.
        assertThat(NameServers.read(dir).servers()).isEmpty();
    }

    @Test
    void dnsServerFlagsTakeLiteralsWithOptionalPorts() {
        assertThat(NameServers.ofFlags(List.of("127.0.0.1:5353", "10.0.0.2", "[fd00::53]:5300", "fd00::54", "[::1]"))
                .servers()).containsExactly(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("10.0.0.2", 53),
                new InetSocketAddress("fd00::53", 5300), new InetSocketAddress("fd00::54", 53),
                new InetSocketAddress("::1", 53));
        assertThatThrownBy(() -> NameServers.ofFlags(List.of("dns.google"))).hasMessage(
                "'dns.google' is not an IP address with an optional port (e.g. 10.0.0.2, 10.0.0.2:53, [fd00::53]:53)");
        assertThatThrownBy(() -> NameServers.ofFlags(List.of("10.0.0.2:0"))).hasMessage(
                "'10.0.0.2:0': port '0' is not 1-65535");
    }
}
