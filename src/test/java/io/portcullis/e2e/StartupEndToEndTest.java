package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.HttpOrigin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client meets while {@code portcullis run} starts: the explicit proxy opens only once the
 * first configuration is in force, so a connection made the moment the port opens is judged by
 * the operator's ServiceEntries (never refused by the empty configuration the gateway starts
 * from), and the start-up line names the addresses as the operator wrote them.
 */
class StartupEndToEndTest {
    private static final String HOST = "allowed.example.test";
    private static final int PORT_ATTEMPTS = 3;

    @TempDir
    Path tmp;

    @Test
    void aClientConnectingAsSoonAsThePortOpensIsNeverRefused() throws Exception {
        try (HttpOrigin origin = new HttpOrigin("allowed")) {
            Path config = Files.createDirectories(tmp.resolve("egress"));
            Files.writeString(config.resolve("allowed.yaml"), """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: allowed}
                    spec:
                      hosts: [%s]
                      ports: [{number: %d, name: https, protocol: HTTPS}]
                      resolution: NONE
                    """.formatted(HOST, origin.port()));
            Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 " + HOST + "\n");
            String authority = HOST + ":" + origin.port();
            // The proxy's port must be known before it opens, so it is picked in advance: when another
            // process takes it first the gateway cannot bind and the run starts again on a new one.
            for (int attempt = 1; ; attempt++) {
                int port = FreePorts.pick();
                Prober prober = new Prober(port, authority);
                prober.start();
                GatewayProcess gateway;
                try {
                    gateway = GatewayProcess.startWith("127.0.0.1", port, "127.0.0.1", config, tmp,
                            "--hosts-file", hosts.toString(), "--allow-private", "127.0.0.0/8");
                } catch (AssertionError e) {
                    prober.finish();
                    if (attempt < PORT_ATTEMPTS && String.valueOf(e.getMessage()).contains("Address already in use")) {
                        continue;
                    }
                    throw e;
                }
                try (gateway) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> prober.answers.size() >= 20);
                    prober.finish();
                    assertThat(prober.answers).as("the first answers after %d refused connection attempts",
                            prober.refused.get()).isNotEmpty().allMatch(a -> a.startsWith("HTTP/1.1 200 "));
                    assertThat(gateway.output()).contains("explicit proxy on 127.0.0.1:" + port + " (");
                }
                return;
            }
        }
    }

    @Test
    void theStartUpLineSaysTheWildcardAsTheReadmeDoes() throws Exception {
        Path config = Files.createDirectories(tmp.resolve("empty"));
        try (GatewayProcess gateway = GatewayProcess.startWith("0.0.0.0", 0, "127.0.0.1", config, tmp)) {
            String output = gateway.output();
            assertThat(output).contains("explicit proxy on 0.0.0.0:" + gateway.proxyPort + " (")
                    .contains("admin on 127.0.0.1:" + gateway.adminPort + ",")
                    .doesNotContain("0:0:0:0:0:0:0:0");
        }
    }

    /** Connects again and again, from before the gateway starts, and keeps each CONNECT's status line. */
    private static final class Prober extends Thread {
        final List<String> answers = new CopyOnWriteArrayList<>();
        final AtomicInteger refused = new AtomicInteger();
        private final int port;
        private final String authority;
        private volatile boolean running = true;

        Prober(int port, String authority) {
            super("startup-prober-" + port);
            setDaemon(true);
            this.port = port;
            this.authority = authority;
        }

        @Override
        public void run() {
            while (running) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    answers.add(statusLine(s.getInputStream()));
                } catch (ConnectException notYetListening) {
                    refused.incrementAndGet();
                    pause();
                } catch (IOException e) {
                    answers.add("no answer: " + e);
                }
            }
        }

        /** A millisecond between attempts: often enough to meet the port as it opens, without spinning a core. */
        private static void pause() {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void finish() throws InterruptedException {
            running = false;
            join(30_000);
        }

        private static String statusLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            return line.toString(StandardCharsets.US_ASCII).strip();
        }
    }
}
