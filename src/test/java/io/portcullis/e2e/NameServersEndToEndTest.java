package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.Portcullis;
import io.portcullis.RunOptions;
import io.portcullis.model.Cidr;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.dns.DnsOptions;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.MeshOptions;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.TempConfigDir;
import io.portcullis.testsupport.TinyDnsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, defect 6: the gateway asks the name servers it was given and no others. A real DNS
 * answer over UDP from the test's own server carries a CONNECT to its destination; with no name
 * server at all {@code run} refuses to start, and never falls back to a public one.
 */
class NameServersEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void aNameResolvedByTheDnsServerGivenWithTheFlagIsReached() throws Exception {
        Cli.requireCommand("curl");
        try (TinyDnsServer dns = TinyDnsServer.start().answer("books.dns.test", InetAddress.getLoopbackAddress());
             HttpOrigin origin = new HttpOrigin("books");
             TempConfigDir config = TempConfigDir.create()) {
            config.write("books.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: books}
                    spec:
                      hosts: [books.dns.test]
                      ports: [{number: %d, name: http, protocol: HTTP}]
                      resolution: DNS
                    """.formatted(origin.port()));
            RunOptions options = new RunOptions(config.path(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, OutboundPolicy.REGISTRY_ONLY,
                    tmp.resolve("access.log"), ProxySettings.defaults(InetAddress.getLoopbackAddress()), 1,
                    AccessLogFormat.TEXT, GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null,
                    List.of(Cidr.parse("127.0.0.0/8")), MeshOptions.gateway(),
                    new DnsOptions(List.of(dns.address()), tmp.resolve("resolv.conf-never-read")));
            try (Portcullis gateway = Portcullis.start(options)) {
                assertThat(gateway.generation()).isEqualTo(1);
                Cli.Result r = Cli.run(CURL, "curl", "-sS", "--max-time", "15", "-x",
                        "http://127.0.0.1:" + gateway.proxyAddress().getPort(), "-p", origin.url("books.dns.test"));
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.stdout()).isEqualTo(origin.body());
                assertThat(dns.questions()).contains("books.dns.test/A");
            }
        }
    }

    @Test
    void withNoUsableNameServerRunRefusesToStart() throws Exception {
        Path empty = Files.writeString(tmp.resolve("resolv.conf"), "# the file a failed DHCP left\n");
        Cli.Result r = InJvmCli.against(null).run("run", "--config", tmp.resolve("config").toString(),
                "--resolv-conf", empty.toString(), "--proxy-address", "127.0.0.1", "--proxy-port", "0",
                "--admin", "127.0.0.1:0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("error: no usable name server: " + empty + " lists no usable nameserver."
                + " Give --dns-server ADDR[:PORT] (repeatable), fix " + empty + ", or give --hosts-file FILE")
                .contains("never falls back to a public DNS server")
                .doesNotContain("8.8.8.8", "2001:4860");

        Cli.Result badFlag = InJvmCli.against(null).run("run", "--config", tmp.resolve("config").toString(),
                "--dns-server", "dns.google");
        assertThat(badFlag.exitCode()).isEqualTo(2);
        assertThat(badFlag.stderr()).startsWith("error: --dns-server: 'dns.google' is not an IP address");
    }
}
