package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.LeakCheckExtension;
import io.portcullis.testsupport.RedisServerProcess;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's loop with real clients: under ALLOW_ANY, curl to three subdomains of one domain
 * and to one other host (all local origins, named through --hosts-file), and a RESP client to a
 * redis-server by address (netcat-openbsd through CONNECT: redis-cli cannot use a proxy); then
 * {@code suggest} proposes a wildcard, a host and an address entry; {@code diff} of those files
 * against REGISTRY_ONLY cuts nothing (and a partial file would); applied and restarted with
 * REGISTRY_ONLY, the same traffic passes and an unrelated host is refused.
 */
@ExtendWith(LeakCheckExtension.class)
class LearnSuggestDiffEndToEndTest {
    private static final Duration CLIENT = Duration.ofSeconds(30);
    private static final String[] SHOP = {"a.shop.example.com", "b.shop.example.com", "c.shop.example.com"};
    private static final String BOOKS = "books.example.org";
    private static final String UNRELATED = "unrelated.example.net";

    @BeforeAll
    static void tools() {
        Cli.requireCommand("curl");
        Cli.requireCommand("nc");
        Cli.requireCommand("redis-server");
    }

    private static Cli.Result curl(RunningGateway g, HttpOrigin origin, String host) {
        return Cli.run(CLIENT, "curl", "-sS", "--max-time", "15", "-x", g.proxyUrl(), origin.url(host));
    }

    /** RESP PING through the explicit proxy's CONNECT to the redis-server's address. */
    private static Cli.Result redisPing(RunningGateway g, RedisServerProcess redis) {
        return Cli.runWithInput(CLIENT, "PING\r\n", "nc", "-N", "-w", "10", "-X", "connect", "-x",
                "127.0.0.1:" + g.proxyPort(), "127.0.0.1", String.valueOf(redis.port()));
    }

    private static String[] allNames() {
        return new String[] {SHOP[0], SHOP[1], SHOP[2], BOOKS, UNRELATED};
    }

    @Test
    void learnSuggestDiffApplyThenRegistryOnlyPassesTheSameTraffic(@TempDir Path dir) throws Exception {
        try (HttpOrigin shop = new HttpOrigin("shop");
             HttpOrigin books = new HttpOrigin("books");
             RedisServerProcess redis = RedisServerProcess.start()) {
            RunningGateway g = RunningGateway.start(OutboundPolicy.ALLOW_ANY,
                    ProxySettings.defaults(InetAddress.getLoopbackAddress()), allNames());
            try {
                for (String host : SHOP) {
                    assertThat(curl(g, shop, host).stdout()).isEqualTo(shop.body());
                }
                assertThat(curl(g, books, BOOKS).stdout()).isEqualTo(books.body());
                assertThat(redisPing(g, redis).stdout()).contains("+PONG");
                await().atMost(Duration.ofSeconds(30)).until(() -> g.gateway.learner().candidates().size() == 5);

                InJvmCli cli = InJvmCli.against(g.adminUrl());
                Cli.Result suggested = cli.run("suggest");
                assertThat(suggested.exitCode()).as(suggested.toString()).isZero();
                String yaml = suggested.stdout();
                assertThat(yaml).contains("hosts: [\"*.shop.example.com\"]", "# *.shop.example.com covers 3 names",
                        "hosts: [\"books.example.org\"]", "addresses: [\"127.0.0.1/32\"]", "resolution: DYNAMIC_DNS",
                        "protocol: HTTP", "protocol: TCP", "callers: 127.0.0.1 x");
                assertThat(yaml).doesNotContain("*.example.com\"", "*.com\"");
                Path learned = dir.resolve("learned.yaml");
                Files.writeString(learned, yaml);
                Cli.Result valid = cli.run("validate", "-f", learned.toString());
                assertThat(valid.exitCode()).as(valid.toString()).isZero();

                Cli.Result diff = cli.run("diff", "-f", learned.toString(), "--outbound-policy", "REGISTRY_ONLY");
                assertThat(diff.exitCode()).as(diff.toString()).isZero();
                assertThat(diff.stdout()).contains("0 change(s) would cut traffic").doesNotContain("CUT");

                // Only the books entry: the shop names and redis would be cut, and apply --refuse-cuts refuses it.
                String booksOnly = yaml.substring(yaml.indexOf("---"));
                booksOnly = booksOnly.substring(0, booksOnly.indexOf("---", 3));
                Path partial = dir.resolve("partial.yaml");
                Files.writeString(partial, booksOnly);
                Cli.Result cut = cli.run("diff", "-f", partial.toString(), "--outbound-policy", "REGISTRY_ONLY");
                assertThat(cut.exitCode()).as(cut.toString()).isEqualTo(1);
                assertThat(cut.stdout()).contains("- CUT   a.shop.example.com:" + shop.port() + "  from 127.0.0.1",
                        "- CUT   127.0.0.1:" + redis.port(), "allowed (undeclared_allowed) -> denied (no_service_entry)");

                Cli.Result applied = cli.run("apply", "-f", learned.toString());
                assertThat(applied.exitCode()).as(applied.toString()).isZero();
                assertThat(applied.stdout()).contains("serviceentry.networking.istio.io/wildcard-shop-example-com created",
                        "serviceentry.networking.istio.io/books-example-org created");
            } catch (Throwable t) {
                g.close();
                throw t;
            }
            try (RunningGateway strict = g.restart(null, allNames())) {
                assertThat(strict.gateway.policy().outboundPolicy()).isEqualTo(OutboundPolicy.REGISTRY_ONLY);
                for (String host : SHOP) {
                    Cli.Result r = curl(strict, shop, host);
                    assertThat(r.stdout()).as(r.toString()).isEqualTo(shop.body());
                }
                assertThat(curl(strict, books, BOOKS).stdout()).isEqualTo(books.body());
                assertThat(redisPing(strict, redis).stdout()).contains("+PONG");
                Cli.Result refused = Cli.run(CLIENT, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                        "--max-time", "15", "-x", strict.proxyUrl(), books.url(UNRELATED));
                assertThat(refused.stdout()).isEqualTo("403");

                // Narrowing the wildcard to one name would cut b and c: --refuse-cuts applies nothing.
                Path narrower = dir.resolve("narrower.yaml");
                Files.writeString(narrower, """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: wildcard-shop-example-com}
                        spec:
                          hosts: [a.shop.example.com]
                          ports: [{number: %d, name: http, protocol: HTTP}]
                          resolution: DNS
                        """.formatted(shop.port()));
                InJvmCli cli = InJvmCli.against(strict.adminUrl());
                Cli.Result refusedApply = cli.run("apply", "--refuse-cuts", "-f", narrower.toString());
                assertThat(refusedApply.exitCode()).as(refusedApply.toString()).isEqualTo(1);
                assertThat(refusedApply.stderr()).contains("- CUT   b.shop.example.com:" + shop.port(),
                        "- CUT   c.shop.example.com:" + shop.port(), "nothing applied (--refuse-cuts)")
                        .doesNotContain("CUT   a.shop.example.com");
                assertThat(curl(strict, shop, SHOP[1]).stdout()).isEqualTo(shop.body());
            }
        }
    }
}
