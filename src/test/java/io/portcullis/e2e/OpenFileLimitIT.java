package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.PrometheusScrape;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 5 of issue 11: a gateway process run with a low open-file limit ({@code prlimit
 * --nofile}), sent more connections than it has descriptors for. Accept failures must not spin
 * (they used to print tens of thousands of stack traces a second on io_uring): they are counted in
 * {@code portcullis_accept_failures_total{cause="fd_limit"}}, logged in one line per interval that
 * names RLIMIT_NOFILE, and once the clients close, the gateway serves again.
 */
class OpenFileLimitIT {
    private static final int NOFILE = 160;
    private static final int CLIENTS = 2 * NOFILE;
    private static final Pattern PROXY = Pattern.compile("explicit proxy on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void acceptFailuresAtTheLimitBackOffAreCountedAndLoggedOncePerInterval() throws Exception {
        Cli.requireCommand("prlimit");
        Cli.requireCommand("curl");
        Path config = Files.createDirectories(tmp.resolve("config"));
        try (GatewayProcess g = GatewayProcess.startWithOpenFileLimit(NOFILE, config, tmp)) {
            Matcher m = PROXY.matcher(g.output());
            assertThat(m.find()).as(g.output()).isTrue();
            int proxyPort = Integer.parseInt(m.group(1));
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    // The kernel completes these handshakes into the listen backlog; the gateway runs out of descriptors.
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxyPort));
                    clients.add(s);
                }
                await().atMost(Duration.ofSeconds(30)).alias("the accept failure's log line")
                        .until(() -> g.output().contains("RLIMIT_NOFILE " + NOFILE));
                // Time for a spinning accept loop to show itself (it printed thousands of lines a second).
                Thread.sleep(3000);
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            // Serving again: a proxy request gets its answer (403: nothing is declared).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Cli.Result r = Cli.run(Duration.ofSeconds(15), "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                        "--max-time", "5", "-x", "http://127.0.0.1:" + proxyPort, "http://nowhere.example.test/");
                assertThat(r.stdout()).isEqualTo("403");
            });
            PrometheusScrape metrics = PrometheusScrape.from(new InetSocketAddress("127.0.0.1", g.adminPort));
            assertThat(metrics.sum("portcullis_accept_failures_total", "cause", "fd_limit")).isPositive();

            String stderr = Files.readString(g.stderr, StandardCharsets.UTF_8);
            List<String> acceptLines = stderr.lines().filter(l -> l.contains("cannot accept connections")).toList();
            assertThat(acceptLines).as(stderr).isNotEmpty().hasSizeLessThanOrEqualTo(4);
            assertThat(acceptLines.get(0)).contains("explicit proxy on 127.0.0.1:" + proxyPort, "Too many open files",
                    "RLIMIT_NOFILE " + NOFILE);
            assertThat(stderr).as("no stack traces").doesNotContain("exceptionCaught() event was fired")
                    .doesNotContain("\tat io.netty");
            assertThat(stderr.length()).as("stderr size").isLessThan(32 * 1024);
        }
    }
}
