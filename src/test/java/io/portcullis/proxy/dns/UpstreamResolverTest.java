package io.portcullis.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.portcullis.proxy.Transport;
import io.portcullis.testsupport.TinyDnsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, defects 6 and 11: real lookups over UDP to a DNS server of the test's own, the
 * configured name servers and no others, resolv.conf and the hosts file read again when they
 * change, and every address of a hosts-file name in file order.
 */
class UpstreamResolverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final Transport transport = Transport.best();
    private EventLoopGroup group;
    private EventLoop loop;

    @TempDir
    Path dir;

    @BeforeEach
    void loop() {
        group = transport.newGroup(1);
        loop = group.next();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private List<InetAddress> resolve(UpstreamResolver r, String name) {
        Future<List<InetAddress>> f = r.resolveAll(loop, name);
        assertThat(f.awaitUninterruptibly(WAIT.toMillis())).as("%s resolved or failed in time", name).isTrue();
        assertThat(f.isSuccess()).as("%s: %s", name, f.cause()).isTrue();
        return f.getNow();
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void asksTheDnsServerGivenByFlagAndReadsItsAnswer() throws Exception {
        try (TinyDnsServer dns = TinyDnsServer.start().answer("db.dns.test", ip("192.0.2.44"));
             UpstreamResolver r = new UpstreamResolver(transport, new DnsOptions(List.of(dns.address()),
                     dir.resolve("never-read")), null)) {
            assertThat(r.nameServers().servers()).containsExactly(dns.address());
            assertThat(resolve(r, "db.dns.test")).containsExactly(ip("192.0.2.44"));
            assertThat(dns.questions()).contains("db.dns.test/A");
            Future<List<InetAddress>> unknown = r.resolveAll(loop, "nowhere.dns.test").awaitUninterruptibly();
            assertThat(unknown.isSuccess()).isFalse();
        }
    }

    @Test
    // The dead server is closed early on purpose (its address then answers nothing); the try guards the start.
    @SuppressWarnings("try")
    void aNameServerThatDoesNotAnswerIsFollowedByTheNextInOrder() throws Exception {
        try (TinyDnsServer dead = TinyDnsServer.start();
             TinyDnsServer dns = TinyDnsServer.start().answer("db.dns.test", ip("192.0.2.45"))) {
            InetSocketAddress silent = dead.address();
            dead.close();
            try (UpstreamResolver r = new UpstreamResolver(transport, new DnsOptions(List.of(silent, dns.address()),
                    dir.resolve("never-read")), null)) {
                assertThat(resolve(r, "db.dns.test")).containsExactly(ip("192.0.2.45"));
            }
        }
    }

    @Test
    void withoutANameServerAndWithoutAHostsFileTheStartIsRefused() throws Exception {
        Path empty = Files.writeString(dir.resolve("resolv.conf"), "search example.internal\n");
        assertThatThrownBy(() -> new UpstreamResolver(transport, new DnsOptions(List.of(), empty), null))
                .isInstanceOf(NoNameServerException.class)
                .hasMessageStartingWith("no usable name server: " + empty + " lists no usable nameserver. Give --dns-server")
                .hasMessageContaining("never falls back to a public DNS server");
        assertThatThrownBy(() -> new UpstreamResolver(transport, new DnsOptions(List.of(), dir.resolve("absent")), null))
                .isInstanceOf(NoNameServerException.class)
                .hasMessageStartingWith("no usable name server: cannot read " + dir.resolve("absent"));
    }

    @Test
    void anUnreadableResolvConfWithAHostsFileAnswersFromTheFileAndNeverAsksAnyone() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 listed.test\n");
        try (UpstreamResolver r = new UpstreamResolver(transport, new DnsOptions(List.of(), dir.resolve("absent")),
                hosts)) {
            assertThat(r.nameServers().servers()).as("no server, in particular no public one").isEmpty();
            assertThat(resolve(r, "listed.test")).containsExactly(ip("127.0.0.1"));
            Future<List<InetAddress>> other = r.resolveAll(loop, "www.example.com").awaitUninterruptibly();
            assertThat(other.isSuccess()).isFalse();
            assertThat(other.cause()).hasMessageStartingWith(
                    "www.example.com is not in --hosts-file and no name server is configured (cannot read ");
        }
    }

    /**
     * resolv.conf has no port: the servers listen on port 53 of two random loopback addresses
     * (127.x.y.z), which no other test binds.
     */
    @Test
    void aChangedResolvConfIsReadAgainAndAnEmptiedOneKeepsTheLastServers() throws Exception {
        int x = ThreadLocalRandom.current().nextInt(1, 250);
        int y = ThreadLocalRandom.current().nextInt(1, 250);
        InetSocketAddress first = new InetSocketAddress("127." + x + "." + y + ".1", 53);
        InetSocketAddress second = new InetSocketAddress("127." + x + "." + y + ".2", 53);
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver " + first.getHostString() + "\n");
        try (TinyDnsServer one = new TinyDnsServer(first).answer("one.dns.test", ip("192.0.2.1"));
             TinyDnsServer two = new TinyDnsServer(second).answer("two.dns.test", ip("192.0.2.2"));
             UpstreamResolver r = new UpstreamResolver(transport, new DnsOptions(List.of(), resolvConf), null)) {
            assertThat(resolve(r, "one.dns.test")).containsExactly(ip("192.0.2.1"));

            Path next = Files.writeString(dir.resolve("resolv.conf.new"), "nameserver " + second.getHostString() + "\n");
            Files.move(next, resolvConf, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            await().atMost(WAIT).until(() -> r.nameServers().servers().equals(List.of(second)));
            assertThat(resolve(r, "two.dns.test")).containsExactly(ip("192.0.2.2"));
            assertThat(two.questions()).contains("two.dns.test/A");
            assertThat(one.questions()).doesNotContain("two.dns.test/A");

            Files.writeString(resolvConf, "");
            // The watcher looks once a second; give it several looks, then the servers must be unchanged.
            Thread.sleep(3 * UpstreamResolver.WATCH_INTERVAL.toMillis());
            assertThat(r.nameServers().servers()).containsExactly(second);
        }
    }

    @Test
    void everyAddressOfAHostsFileNameInFileOrderAndTheFileIsReadAgain() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), """
                127.0.0.9 multi.test   # first
                ::1 multi.test other.test
                127.0.0.3 MULTI.test.
                not-an-ip broken.test
                """);
        try (TinyDnsServer dns = TinyDnsServer.start();
             UpstreamResolver r = new UpstreamResolver(transport, new DnsOptions(List.of(dns.address()), dir), hosts)) {
            assertThat(resolve(r, "multi.test")).containsExactly(ip("127.0.0.9"), ip("::1"), ip("127.0.0.3"));
            assertThat(resolve(r, "Other.Test")).containsExactly(ip("::1"));
            assertThat(dns.questions()).as("the hosts file answered").isEmpty();

            Files.writeString(hosts, "127.0.0.9 multi.test\n127.0.0.5 later.test\n");
            await().atMost(WAIT).until(() -> {
                Future<List<InetAddress>> f = r.resolveAll(loop, "later.test").awaitUninterruptibly();
                return f.isSuccess() && f.getNow().equals(List.of(ip("127.0.0.5")));
            });
            assertThat(resolve(r, "multi.test")).containsExactly(ip("127.0.0.9"));
        }
    }
}
