package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.RawHttpOrigin;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A plain HTTP request forwarded by the explicit proxy to an upstream that accepts and never
 * answers, and a client that leaves while it waits (bench/reliability, issue 11's "no leaks"): the
 * exchange must end, the upstream connection be closed (not pooled), one access line say the
 * downstream went away (code 0, {@code DC}), and the open-connections gauge return to zero. The
 * gateway used to hold both connections until the idle timeout (an hour). A client that only
 * half-closes and whose upstream answers still gets its answer (HTTP/1.1 allows that).
 */
class ClientGoneWhileWaitingEndToEndTest {
    /** Above the inspect timeout (10 s by default) the half-closed exchange is given, with room to spare. */
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String HOST = "silent.example.test";

    private static String entry(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: silent}
                spec:
                  hosts: [%s]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(HOST, port);
    }

    private static void sendRequest(Socket s, int upstreamPort) throws Exception {
        String authority = HOST + ":" + upstreamPort;
        OutputStream out = s.getOutputStream();
        out.write(("GET http://" + authority + "/wait HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @ParameterizedTest(name = "client {0}")
    @ValueSource(strings = {"closes", "half-closes", "resets"})
    void aClientThatLeavesWhileTheUpstreamIsSilentEndsTheExchangeAndBothConnections(String how) throws Exception {
        AtomicInteger closedByGateway = new AtomicInteger();
        // Accepts, reads the request, never answers; counts the gateway closing the connection on it.
        try (RawHttpOrigin silent = new RawHttpOrigin((head, in, out) -> {
                while (in.read() >= 0) {
                    // Nothing to answer: wait for the end of input.
                }
                closedByGateway.incrementAndGet();
            });
             RunningGateway g = RunningGateway.start(HOST)) {
            g.apply("silent.yaml", entry(silent.port()));
            Socket client = new Socket();
            try {
                client.connect(new InetSocketAddress("127.0.0.1", g.proxyPort()), 10_000);
                sendRequest(client, silent.port());
                await().atMost(WAIT).until(() -> silent.heads().size() == 1);
                switch (how) {
                    case "closes" -> client.close();
                    case "half-closes" -> client.shutdownOutput();
                    default -> {
                        client.setSoLinger(true, 0);
                        client.close();
                    }
                }
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(closedByGateway.get()).as("upstream connections the gateway closed").isEqualTo(1);
                    assertThat(g.scrape().sum("portcullis_open_connections")).as("portcullis_open_connections")
                            .isZero();
                });
                if (how.equals("half-closes")) {
                    assertThat(client.getInputStream().read()).as("the client's connection ends, with no answer")
                            .isEqualTo(-1);
                }
            } finally {
                client.close();
            }
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("authority").equals(HOST + ":" + silent.port()));
            assertThat(line.get("response_code")).isEqualTo("0");
            assertThat(line.get("response_flags")).isEqualTo("DC");
            assertThat(line.get("response_code_details")).isEqualTo(how.equals("resets") ? "client_reset" : "client_closed");
            assertThat(silent.connectionCount()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "HTTP/{0}")
    @ValueSource(strings = {"1.0", "1.1"})
    void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer(String version) throws Exception {
        try (RawHttpOrigin answering = new RawHttpOrigin((head, in, out) -> RawHttpOrigin.write(out,
                "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"));
             RunningGateway g = RunningGateway.start(HOST)) {
            g.apply("silent.yaml", entry(answering.port()));
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress("127.0.0.1", g.proxyPort()), 10_000);
                client.setSoTimeout((int) WAIT.toMillis());
                String authority = HOST + ":" + answering.port();
                OutputStream out = client.getOutputStream();
                out.write(("GET http://" + authority + "/ HTTP/" + version + "\r\nHost: " + authority + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                client.shutdownOutput();
                InputStream in = client.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nhello\n");
            }
            EnvoyAccessLine line = g.awaitAccess(l -> l.get("authority").equals(HOST + ":" + answering.port()));
            assertThat(line.get("response_code")).isEqualTo("200");
            assertThat(line.get("response_flags")).isEqualTo("-");
            await().atMost(WAIT).untilAsserted(() -> assertThat(g.scrape().sum("portcullis_open_connections"))
                    .as("portcullis_open_connections").isZero());
        }
    }
}
