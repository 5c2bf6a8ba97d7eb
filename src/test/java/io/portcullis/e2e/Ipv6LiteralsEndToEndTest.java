package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.InJvmCli;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 9: an IPv6 literal reaches people in brackets and RFC 5952 form, never as
 * {@code 2001:db8:0:0:0:0:0:1337:1337}: the 403 body a client reads, the access log, and
 * {@code check}.
 */
class Ipv6LiteralsEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void aRefusedConnectToAnIpv6LiteralSaysSoInBracketsAndShortForm() throws Exception {
        try (RunningGateway g = RunningGateway.start()) {
            Cli.Result raw = Cli.runWithInput(TIMEOUT,
                    "CONNECT [2001:DB8:0:0:0:0:0:1337]:1337 HTTP/1.1\r\nHost: [2001:DB8:0:0:0:0:0:1337]:1337\r\n\r\n",
                    "nc", "-q", "2", "127.0.0.1", String.valueOf(g.proxyPort()));
            assertThat(raw.stdout()).startsWith("HTTP/1.1 403 Forbidden")
                    .contains("no ServiceEntry allows [2001:db8::1337]:1337")
                    .doesNotContain("0:0:0");
            String line = g.awaitAccessLine(l -> l.contains("no_service_entry"));
            assertThat(line).contains("\"[2001:db8::1337]:1337\"").doesNotContain("0:0:0");

            InJvmCli cli = InJvmCli.against(g.adminUrl());
            Cli.Result check = cli.run("check", "--to", "[2001:db8:0:0::1337]:1337");
            assertThat(check.exitCode()).isEqualTo(1);
            assertThat(check.stdout()).startsWith(
                    "DENIED  [2001:db8::1337]:1337  via explicit proxy (CONNECT [2001:db8::1337]:1337)\n"
                            + "reason:   no_service_entry: no ServiceEntry allows [2001:db8::1337]:1337");
        }
    }

    @Test
    void aFailedConnectToAnIpv6UpstreamNamesItOnceInShortForm() throws Exception {
        int closed = FreePorts.pick();
        try (RunningGateway g = RunningGateway.start(RunningGateway.Options.defaults()
                .withAllowPrivate("127.0.0.0/8", "::1/128"))) {
            g.apply("v6.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: v6}
                    spec:
                      hosts: [v6.example.test]
                      addresses: ["0:0:0:0:0:0:0:1"]
                      ports: [{number: %d, name: tcp, protocol: TCP}]
                      resolution: NONE
                    """.formatted(closed));
            Cli.Result raw = Cli.runWithInput(TIMEOUT,
                    "CONNECT [::1]:" + closed + " HTTP/1.1\r\nHost: [::1]:" + closed + "\r\n\r\n",
                    "nc", "-q", "2", "127.0.0.1", String.valueOf(g.proxyPort()));
            assertThat(raw.stdout()).startsWith("HTTP/1.1 503")
                    .contains("upstream_connect_failure: connect to [::1]:" + closed + " failed: Connection refused\n")
                    .doesNotContain("0:0:0", "/0:");
        }
    }
}
