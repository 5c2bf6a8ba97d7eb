package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TempConfigDir;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's egress tasks 08 (Egress Gateways, HTTPS passed through by SNI) and 12 (wildcard hosts
 * through the gateway) as the task's workload lives them: curl in an app's network namespace,
 * unchanged, its outbound TCP captured by iptables ({@code portcullis capture}) into a sidecar JVM
 * ({@code run --role sidecar}), whose {@code mesh}-bound tls route sends the app's TLS to the
 * egress gateway, a second JVM ({@code run}) on the namespace's host address, port 443 as the
 * task prints it; its PASSTHROUGH server routes by SNI to the external service's stand-in (on
 * another host address, port 443). Both read the task's file from one folder, as sidecars and
 * gateways see the same resources. Nothing on the way holds a certificate for the names: the app's
 * TLS ends at the stand-in.
 */
class IstioTasksMeshTlsEndToEndTest {
    private static final Duration CLI = Duration.ofSeconds(30);
    private static final Path TASKS = Path.of("examples/istio-tasks");
    private static final String GATEWAY_HOST = "istio-egressgateway.istio-system.svc.cluster.local";

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;
    static TestCa ca;
    static Path caPem;
    static TestCa.Leaf webLeaf;
    static StandInOrigin web443;
    /** An address of the app's subnet where nothing listens: the wikipedia language hosts' own. */
    static String nowhere;

    @BeforeAll
    static void start() throws Exception {
        Cli.requireCommand("curl");
        Cli.requireCommand("openssl");
        lab = NetnsLab.create(1);
        app = lab.app(0);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
        nowhere = app.appIp().substring(0, app.appIp().lastIndexOf('.')) + ".4";
        ca = TestCa.create("example.com");
        caPem = ca.writeCaPem(tmp.resolve("example-ca.pem"));
        webLeaf = ca.issueServer("edition.cnn.example.test", "www.google.example.test", "*.wikipedia.example.test",
                "www.wikipedia.example.test");
        web443 = StandInOrigin.https("web443", InetAddress.getByName(app.otherHostIp()), 443,
                ca.sslContextFor(webLeaf), false);
        // The app's names, as its cluster DNS would answer them: the external services' own addresses.
        app.hosts(app.otherHostIp() + " edition.cnn.example.test www.google.example.test www.wikipedia.example.test",
                nowhere + " en.wikipedia.example.test de.wikipedia.example.test");
    }

    @AfterAll
    static void stop() {
        if (web443 != null) {
            web443.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** The task's gateway and the app's sidecar, both on {@code config}. */
    private record Mesh(GatewayProcess gateway, SidecarProcess sidecar) implements AutoCloseable {
        static Mesh start(Path config) throws Exception {
            Path gatewayHosts = hostsFile("gateway",
                    app.otherHostIp() + " edition.cnn.example.test www.google.example.test www.wikipedia.example.test",
                    nowhere + " en.wikipedia.example.test de.wikipedia.example.test");
            Path logs = Files.createTempDirectory(tmp, "gateway-logs");
            GatewayProcess gateway = GatewayProcess.startWith("127.0.0.1", 0, "127.0.0.1", config, logs,
                    "--gateway-address", app.hostIp(), "--gateway-labels", "istio=egressgateway",
                    "--hosts-file", gatewayHosts.toString(),
                    // The stand-in lives on a private address; the task's entry names it by DNS only.
                    "--allow-private", app.otherHostIp() + "/32");
            try {
                Path sidecarHosts = hostsFile("sidecar", app.hostIp() + " " + GATEWAY_HOST,
                        app.otherHostIp() + " edition.cnn.example.test www.google.example.test www.wikipedia.example.test",
                        nowhere + " en.wikipedia.example.test de.wikipedia.example.test");
                return new Mesh(gateway, SidecarProcess.start(app, config, null, sidecarHosts));
            } catch (RuntimeException | Error e) {
                gateway.close();
                throw e;
            }
        }

        /** Waits for a line of the gateway's access log (the default text format, on its stdout). */
        EnvoyAccessLine awaitGatewayLine(Predicate<EnvoyAccessLine> test) {
            await().atMost(Duration.ofSeconds(30)).alias("a gateway access line among " + gatewayLines())
                    .until(() -> find(test).isPresent());
            return find(test).orElseThrow();
        }

        private Optional<EnvoyAccessLine> find(Predicate<EnvoyAccessLine> test) {
            return gatewayLines().stream().map(EnvoyAccessLine::parse).filter(test).findFirst();
        }

        private List<String> gatewayLines() {
            try {
                return Files.readAllLines(gateway.stdout, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.startsWith("[")).toList();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                sidecar.close();
            } finally {
                gateway.close();
            }
        }
    }

    private static Path hostsFile(String name, String... lines) throws Exception {
        return Files.writeString(Files.createTempFile(tmp, name + "-hosts", ".txt"), String.join("\n", lines) + "\n");
    }

    private static TempConfigDir config(String... files) throws Exception {
        TempConfigDir config = TempConfigDir.create();
        for (String f : files) {
            config.write(f, Files.readString(TASKS.resolve(f)));
        }
        return config;
    }

    /** curl in the app's namespace, by name, trusting only the stand-in's CA; stdout ends with the status. */
    private static Cli.Result curl(String url) {
        return app.exec(CLI, "curl", "-sS", "--max-time", "20", "--cacert", caPem.toString(), "-w", "\n%{http_code}",
                url);
    }

    /** The certificate the app's TLS ends at, as openssl s_client in the app's namespace prints it. */
    private static String serverCertificateSeenBy(String host) {
        Cli.Result r = app.exec(CLI, "sh", "-c", "openssl s_client -connect " + host + ":443 -servername " + host
                + " -CAfile " + caPem + " -verify_return_error </dev/null 2>&1");
        assertThat(r.stdout()).as(r.toString()).contains("Verify return code: 0 (ok)");
        return r.stdout();
    }

    /** The stand-in's own certificate, base64 as PEM prints it (one line of it is enough to recognise it). */
    private static String standInCertificateLine() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(webLeaf.certificate().getEncoded());
        return b64.substring(0, 64);
    }

    /**
     * Task 08: the sidecar routes edition.cnn's TLS by its SNI to the egress gateway (the mesh tls
     * route, subset cnn, port 443), the gateway passes it through by SNI to the service; an SNI the
     * configuration does not declare is refused at the sidecar with unrecognized_name.
     */
    @Test
    void httpsGoesThroughTheSidecarAndTheEgressGatewayBySni() throws Exception {
        try (TempConfigDir config = config("08-egress-gateway-https.yaml"); Mesh mesh = Mesh.start(config.path())) {
            Cli.Result politics = curl("https://edition.cnn.example.test/politics");
            assertThat(politics.stdout()).as(politics.toString())
                    .isEqualTo(web443.body("edition.cnn.example.test", "/politics") + "\n200");

            assertThat(mesh.sidecar().awaitAccessLine(l -> l.contains("requested=edition.cnn.example.test:443")))
                    .contains("listener=capture_15001", "original_dst=" + app.otherHostIp() + ":443",
                            "decision=allowed", "resource=ServiceEntry/default/cnn",
                            "upstream=" + app.hostIp() + ":443",
                            "route=VirtualService/default/direct-cnn-through-egress-gateway");
            EnvoyAccessLine passed = mesh.awaitGatewayLine(
                    l -> "outbound|443||edition.cnn.example.test".equals(l.get("upstream_cluster")));
            assertThat(passed.get("requested_server_name")).isEqualTo("edition.cnn.example.test");
            assertThat(passed.get("upstream_host")).isEqualTo(app.otherHostIp() + ":443");
            assertThat(passed.get("downstream_local_address")).isEqualTo(app.hostIp() + ":443");
            assertThat(passed.get("downstream_remote_address")).startsWith(app.appIp() + ":");
            // A passthrough: the gateway never saw a request, only the TLS bytes.
            assertThat(passed.get("method")).isEqualTo("-");
            assertThat(passed.get("response_code_details")).isEqualTo("declared");

            // Not decrypted on the way: the app's TLS ends at the stand-in, with the stand-in's certificate.
            assertThat(serverCertificateSeenBy("edition.cnn.example.test")).contains(standInCertificateLine());

            Cli.Result google = curl("https://www.google.example.test/");
            assertThat(google.exitCode()).as(google.toString()).isNotZero();
            assertThat(google.stderr()).contains("unrecognized name");
            assertThat(mesh.sidecar().awaitAccessLine(l -> l.contains("requested=www.google.example.test:443")))
                    .contains("decision=denied", "reason=no_service_entry", "upstream=-");
        }
    }

    /**
     * Task 08 with a connection pool on the gateway's subset ({@code maxConnections: 1}): the sidecar
     * applies the DestinationRule of the host its mesh route goes to (the egress gateway's subset
     * {@code cnn}), as Istio's sidecar builds its cluster {@code outbound|443|cnn|istio-egressgateway...}
     * from it: while one connection is open, a second one is closed at the sidecar (flag UO).
     */
    @Test
    void theGatewaySubsetsConnectionPoolLimitsTheSidecarsConnections() throws Exception {
        String limited = Files.readString(TASKS.resolve("08-egress-gateway-https.yaml")).replace("  - name: cnn\n", """
                  - name: cnn
                    trafficPolicy:
                      connectionPool:
                        tcp: {maxConnections: 1}
                """);
        assertThat(limited).contains("maxConnections: 1");
        try (TempConfigDir config = TempConfigDir.create()) {
            config.write("08-limited.yaml", limited);
            Path held = tmp.resolve("held-s_client.out");
            try (Mesh mesh = Mesh.start(config.path())) {
                // The first connection, held open by an idle openssl s_client once its handshake is done.
                Process first = new ProcessBuilder("ip", "netns", "exec", app.name(), "openssl", "s_client",
                        "-connect", "edition.cnn.example.test:443", "-servername", "edition.cnn.example.test",
                        "-CAfile", caPem.toString())
                        .redirectErrorStream(true).redirectOutput(held.toFile()).start();
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(held).contains("Verify return code: 0 (ok)"));

                    Cli.Result second = curl("https://edition.cnn.example.test/politics");
                    assertThat(second.exitCode()).as(second.toString()).isNotZero();
                    assertThat(mesh.sidecar().awaitAccessLine(l -> l.contains("upstream_failure=upstream_overflow")))
                            .contains("requested=edition.cnn.example.test:443", "decision=allowed",
                                    "DestinationRule/default/egressgateway-for-cnn connectionPool.tcp.maxConnections: 1"
                                            + " connection to " + GATEWAY_HOST + ":443 subset cnn already open");
                } finally {
                    first.destroy();
                    first.waitFor();
                }
                // The slot is free again once the first connection has closed.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Cli.Result again = curl("https://edition.cnn.example.test/politics");
                    assertThat(again.stdout()).as(again.toString())
                            .isEqualTo(web443.body("edition.cnn.example.test", "/politics") + "\n200");
                });
            }
        }
    }

    /**
     * Task 12 (applied with 11): every *.wikipedia name goes from the sidecar to the egress gateway
     * and from there to the one hosting server, www.wikipedia, passed through by SNI; the language
     * hosts' own address has nothing listening, so only that path can answer.
     */
    @Test
    void wildcardHostsGoThroughTheSidecarAndTheGatewayToTheOneHostingServer() throws Exception {
        try (TempConfigDir config = config("11-wildcard-direct.yaml", "12-wildcard-via-egress-gateway.yaml");
             Mesh mesh = Mesh.start(config.path())) {
            for (String lang : List.of("en", "de")) {
                String host = lang + ".wikipedia.example.test";
                Cli.Result page = curl("https://" + host + "/wiki/Main_Page");
                assertThat(page.stdout()).as(page.toString()).isEqualTo(web443.body(host, "/wiki/Main_Page") + "\n200");
                assertThat(mesh.sidecar().awaitAccessLine(l -> l.contains("requested=" + host + ":443")))
                        .contains("original_dst=" + nowhere + ":443", "decision=allowed",
                                "resource=ServiceEntry/default/wikipedia", "upstream=" + app.hostIp() + ":443",
                                "route=VirtualService/default/direct-wikipedia-through-egress-gateway");
                EnvoyAccessLine line = mesh.awaitGatewayLine(l -> host.equals(l.get("requested_server_name")));
                assertThat(line.get("upstream_cluster")).isEqualTo("outbound|443||www.wikipedia.example.test");
                assertThat(line.get("upstream_host")).isEqualTo(app.otherHostIp() + ":443");
                assertThat(line.get("method")).isEqualTo("-");
            }
            assertThat(serverCertificateSeenBy("en.wikipedia.example.test")).contains(standInCertificateLine());

            // Outside the wildcard: refused at the sidecar, never sent to the gateway.
            Cli.Result cnn = curl("https://edition.cnn.example.test/");
            assertThat(cnn.exitCode()).as(cnn.toString()).isNotZero();
            assertThat(cnn.stderr()).contains("unrecognized name");
            assertThat(mesh.sidecar().awaitAccessLine(l -> l.contains("requested=edition.cnn.example.test:443")))
                    .contains("decision=denied", "reason=no_service_entry");
        }
    }
}
