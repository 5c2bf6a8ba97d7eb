package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.MeshOptions;
import io.portcullis.model.Cidr;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.telemetry.AccessLogFormat;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request on a TLS connection the gateway terminated must name the host the connection was set
 * up for: on the mutual-TLS hop, the SNI the caller announced; on an HTTPS Gateway server, the
 * client's SNI. A caller that announces an allowed name and asks for another inside is answered
 * {@code 421 Misdirected Request} ({@code host_mismatch}) and the origin sees nothing. Real
 * openssl (the sidecar's hop, with a mesh certificate) and curl ({@code --resolve}, {@code -H Host}).
 */
class MisdirectedRequestEndToEndTest {
    private static final Duration CLI = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static HttpOrigin origin;
    static MeshCerts mesh;
    static Path gatewayCerts;
    static Path sleepCerts;
    static TestCa ca;
    static Path caPem;

    @BeforeAll
    static void start() {
        Cli.requireCommand("curl");
        Cli.requireCommand("openssl");
        origin = new HttpOrigin("books");
        mesh = MeshCerts.create(tmp.resolve("mesh"));
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        sleepCerts = mesh.issue("default", "sleep");
        ca = TestCa.create("gateway ca");
        caPem = ca.writeCaPem(tmp.resolve("gateway-ca.pem"));
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    /** A gateway with the mesh identity, Envoy's access-log format, and both names resolving to {@code originIp}. */
    private static RunningGateway gateway(String originIp) throws Exception {
        return RunningGateway.start(new RunningGateway.Options(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getLoopbackAddress()), List.of(Cidr.parse("127.0.0.0/8")),
                Map.of("a.example.test", originIp, "b.example.test", originIp), AccessLogFormat.TEXT,
                GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, MeshOptions.gateway(gatewayCerts)));
    }

    private static RunningGateway gateway() throws Exception {
        return gateway("127.0.0.1");
    }

    /** Two HTTP hosts, both declared, both hosts of the Gateway server: only the SNI tells them apart. */
    private static String entries(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: books}
                spec:
                  hosts: [a.example.test, b.example.test]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                """.formatted(port);
    }

    private static String entries() {
        return entries(origin.port());
    }

    /** The sidecar's hop: mutual TLS with the workload's mesh certificate announcing {@code sni}, then {@code host} inside. */
    private static Cli.Result hop(int port, String sni, String host) {
        return Cli.runWithInput(CLI, "GET /shelf HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
                "openssl", "s_client", "-quiet", "-verify_return_error", "-connect", "127.0.0.1:" + port,
                "-servername", sni, "-CAfile", sleepCerts.resolve("root-cert.pem").toString(),
                "-cert", sleepCerts.resolve("cert-chain.pem").toString(),
                "-key", sleepCerts.resolve("key.pem").toString());
    }

    private static void assertMisdirected(RunningGateway g, Cli.Result answer, String sni, String host) {
        assertThat(answer.stdout()).as(answer.toString())
                .startsWith("HTTP/1.1 421 Misdirected Request (host_mismatch)")
                .contains("x-portcullis-reason: host_mismatch")
                .contains("Host " + host + " is not the name this TLS connection was set up for (SNI " + sni + ")");
        EnvoyAccessLine line = g.awaitAccess(l -> "host_mismatch".equals(l.get("response_code_details"))
                && String.valueOf(l.get("message")).contains("Host " + host));
        assertThat(line.get("response_code")).isEqualTo("421");
        assertThat(line.get("message")).contains("SNI " + sni);
    }

    @Test
    void theMutualTlsHopHoldsEachRequestsHostToTheAnnouncedSni() throws Exception {
        try (RunningGateway g = gateway()) {
            int port = g.applyOnFreePort("hop.yaml", p -> entries() + """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https-hop, protocol: HTTPS}
                        hosts: [a.example.test, b.example.test]
                        tls: {mode: ISTIO_MUTUAL}
                    """.formatted(p));

            Cli.Result same = hop(port, "a.example.test", "a.example.test");
            assertThat(same.stdout()).as(same.toString()).startsWith("HTTP/1.1 200").endsWith(origin.body());
            // Case and a trailing dot do not make another name.
            Cli.Result spelled = hop(port, "a.example.test", "A.Example.Test.");
            assertThat(spelled.stdout()).as(spelled.toString()).startsWith("HTTP/1.1 200");
            int served = origin.requestCount();

            Cli.Result crossed = hop(port, "a.example.test", "b.example.test");
            assertMisdirected(g, crossed, "a.example.test", "b.example.test");
            assertThat(origin.requestCount()).as("requests the origin served").isEqualTo(served);
            assertThat(g.scrape().sum("istio_requests_total", "response_code", "421")).isEqualTo(1);
            assertThat(g.scrape().sum("portcullis_denied_connections_total", "reason", "host_mismatch")).isEqualTo(1);
        }
    }

    /**
     * A {@code protocol: TLS} hop whose SNI named an HTTP entry port (the gateway's port, as in the
     * tasks): the SNI decided, the Host must agree. The origin listens on an address of its own, so
     * that the gateway can listen on the same port number.
     */
    @Test
    void aTlsHopWhoseSniNamedAnHttpPortHoldsTheHostToIt() throws Exception {
        InetAddress originIp = InetAddress.getByAddress(new byte[] {127, (byte) ThreadLocalRandom.current().nextInt(20, 250),
                (byte) ThreadLocalRandom.current().nextInt(0, 256), (byte) ThreadLocalRandom.current().nextInt(2, 255)});
        try (HttpOrigin own = new HttpOrigin("own", originIp); RunningGateway g = gateway(originIp.getHostAddress())) {
            int port = g.applyOnPorts("hop.yaml", 1, own::port, ports -> entries(ports.get(0)) + """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: tls-hop, protocol: TLS}
                        hosts: [a.example.test, b.example.test]
                        tls: {mode: ISTIO_MUTUAL}
                    """.formatted(ports.get(0))).get(0);
            Cli.Result same = hop(port, "b.example.test", "b.example.test");
            assertThat(same.stdout()).as(same + "\n" + g.accessLines()).startsWith("HTTP/1.1 200").endsWith(own.body());
            Cli.Result crossed = hop(port, "b.example.test", "a.example.test");
            assertMisdirected(g, crossed, "b.example.test", "a.example.test");
            assertThat(own.requestCount()).as("requests the origin served").isEqualTo(1);
        }
    }

    /**
     * A wildcard HTTPS server (one certificate for {@code *.example.test}): the SNI picks it, and the
     * Host must be that SNI, not another name the server and its certificate also cover. A client
     * that sends no SNI set the connection up for no name: its Host is held to the server's hosts.
     */
    @Test
    void anHttpsServerHoldsTheHostToTheClientsSniAndWithoutSniToItsHosts() throws Exception {
        TestCa.Leaf wildcard = ca.issueServer("*.example.test");
        Path cert = wildcard.writeCertChainPem(tmp.resolve("wild.pem"));
        Path key = wildcard.writeKeyPem(tmp.resolve("wild-key.pem"));
        try (RunningGateway g = gateway()) {
            int port = g.applyOnFreePort("gw.yaml", p -> entries() + """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https, protocol: HTTPS}
                        hosts: ["*.example.test"]
                        tls: {mode: SIMPLE, serverCertificate: %s, privateKey: %s}
                    """.formatted(p, cert, key));

            Cli.Result same = curl("a.example.test", port);
            assertThat(same.stdout()).as(same.toString()).isEqualTo(origin.body() + "\n200");
            int served = origin.requestCount();

            Cli.Result crossed = curl("a.example.test", port, "-i", "-H", "Host: b.example.test:" + port);
            assertThat(crossed.stdout()).as(crossed.toString()).endsWith("\n421");
            assertMisdirected(g, crossed, "a.example.test", "b.example.test");
            assertThat(origin.requestCount()).as("requests the origin served").isEqualTo(served);

            Cli.Result noSni = Cli.runWithInput(CLI, "GET /shelf HTTP/1.1\r\nHost: b.example.test\r\nConnection: close\r\n\r\n",
                    "openssl", "s_client", "-quiet", "-noservername", "-connect", "127.0.0.1:" + port);
            assertThat(noSni.stdout()).as(noSni.toString()).startsWith("HTTP/1.1 200").endsWith(origin.body());
            assertThat(origin.lastHost()).isEqualTo("b.example.test");
        }
    }

    /** curl to {@code https://name:port/shelf} at the gateway's listener, trusting the gateway's CA. */
    private static Cli.Result curl(String name, int port, String... extra) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert", caPem.toString(),
                "--resolve", name + ":" + port + ":127.0.0.1", "-w", "\n%{http_code}"));
        argv.addAll(List.of(extra));
        argv.add("https://" + name + ":" + port + "/shelf");
        return Cli.run(CLI, argv.toArray(String[]::new));
    }
}
