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
import io.portcullis.testsupport.MeshClient;
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.SquidProcess;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's current egress tasks ({@code examples/istio-tasks}) played against a real gateway with
 * real curl and openssl: the ports as the tasks print them (80, 443), on loopback addresses of
 * their own picked at random (the gateway's listeners on one, the external services' stand-ins
 * on others), the tasks' external names mapped there with {@code --hosts-file}. The workload is
 * curl: through the explicit proxy where the task's sidecar would send it straight out, and to
 * the gateway's listeners (with {@code --resolve}, or a mesh certificate for the ISTIO_MUTUAL hop)
 * where the task's sidecar would send it to the egress gateway.
 */
class IstioTasksEndToEndTest {
    private static final Path TASKS = Path.of("examples/istio-tasks");
    private static final Duration CLI = Duration.ofSeconds(30);
    /** The path the files give for the stand-ins' CA (the tasks trust public CAs). */
    private static final String CA_PLACEHOLDER = "/etc/portcullis/istio-tasks/example-ca.pem";
    private static final String NGINX = "my-nginx.mesh-external.svc.cluster.local";

    @TempDir
    static Path tmp;
    static TestCa ca;
    static Path caPem;
    static InetAddress webIp;
    static InetAddress nginxIp;
    static StandInOrigin web80;
    static StandInOrigin web443;
    static StandInOrigin nginx;
    static TestCa.Leaf nginxClient;
    static MeshCerts mesh;
    static Path gatewayCerts;
    static Path sleepCerts;

    @BeforeAll
    static void start() throws Exception {
        Cli.requireCommand("curl");
        Cli.requireCommand("openssl");
        ca = TestCa.create("example.com");
        caPem = ca.writeCaPem(tmp.resolve("example-ca.pem"));
        webIp = freshLoopback();
        nginxIp = freshLoopback();
        web80 = StandInOrigin.http("web80", webIp, 80);
        web443 = StandInOrigin.https("web443", webIp, 443, ca.sslContextFor(ca.issueServer("www.google.example.test",
                "edition.cnn.example.test", "*.wikipedia.example.test", "www.wikipedia.example.test")), false);
        nginx = StandInOrigin.https("nginx", nginxIp, 443, ca.sslContextFor(ca.issueServer(NGINX)), true);
        nginxClient = ca.issueClient("spiffe://example.com/client");
        mesh = MeshCerts.create(tmp.resolve("mesh"));
        gatewayCerts = mesh.issue("istio-system", "istio-egressgateway-service-account");
        sleepCerts = mesh.issue("default", "sleep");
    }

    @AfterAll
    static void stop() {
        for (StandInOrigin o : new StandInOrigin[] {web80, web443, nginx}) {
            if (o != null) {
                o.close();
            }
        }
    }

    /** 127.a.b.c at random: the tasks' fixed ports bind there without meeting anyone else's. */
    static InetAddress freshLoopback() throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return InetAddress.getByAddress(new byte[] {127, (byte) r.nextInt(20, 250), (byte) r.nextInt(0, 256),
                (byte) r.nextInt(2, 255)});
    }

    /** A task file with the stand-ins' values for its placeholders. */
    static String task(String file) throws Exception {
        return Files.readString(TASKS.resolve(file)).replace(CA_PLACEHOLDER, caPem.toString());
    }

    /**
     * A gateway whose Gateway listeners bind {@code listeners}; every task name resolves to the
     * web stand-in unless {@code hosts} says otherwise.
     */
    static RunningGateway gateway(InetAddress listeners, MeshOptions meshOptions, Map<String, String> hosts)
            throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        for (String name : List.of("httpbin.example.test", "www.google.example.test", "edition.cnn.example.test",
                "www.wikipedia.example.test", "en.wikipedia.example.test", "de.wikipedia.example.test",
                "www.example.test")) {
            all.put(name, webIp.getHostAddress());
        }
        all.put(NGINX, nginxIp.getHostAddress());
        all.putAll(hosts);
        return RunningGateway.start(new RunningGateway.Options(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(listeners), List.of(Cidr.parse("127.0.0.0/8")), all, AccessLogFormat.TEXT,
                GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, meshOptions));
    }

    static RunningGateway gateway() throws Exception {
        return gateway(freshLoopback(), MeshOptions.gateway(), Map.of());
    }

    /** curl through the explicit proxy; stdout ends with the status code on a line of its own. */
    static Cli.Result viaProxy(RunningGateway g, String url, String... extra) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-x", g.proxyUrl(),
                "--cacert", caPem.toString(), "-w", "\n%{http_code}"));
        argv.addAll(List.of(extra));
        argv.add(url);
        return Cli.run(CLI, argv.toArray(String[]::new));
    }

    /** curl to a Gateway listener, as the task's sidecar sends to the egress gateway. */
    static Cli.Result toGateway(InetAddress gatewayIp, String url, String host, int port, String... extra) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert", caPem.toString(),
                "--resolve", host + ":" + port + ":" + gatewayIp.getHostAddress(), "-w", "\n%{http_code}"));
        argv.addAll(List.of(extra));
        argv.add(url);
        return Cli.run(CLI, argv.toArray(String[]::new));
    }

    static String secret(String namespace, String name, Path cert, Path key, Path caFile) throws Exception {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %s, namespace: %s}
                type: Opaque
                data:
                  tls.crt: %s
                  tls.key: %s
                  ca.crt: %s
                """.formatted(name, namespace, b64(cert), b64(key), b64(caFile));
    }

    private static String b64(Path p) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readString(p).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void egressControlHttpAndHttpsEntriesOpenWhatWasBlocked() throws Exception {
        try (RunningGateway g = gateway()) {
            Cli.Result blocked = viaProxy(g, "http://httpbin.example.test/headers");
            assertThat(blocked.stdout()).as(blocked.toString()).endsWith("\n403");
            Cli.Result blockedTls = viaProxy(g, "https://www.google.example.test/");
            assertThat(blockedTls.exitCode()).as(blockedTls.toString()).isNotZero();

            g.apply("01.yaml", task("01-egress-control-httpbin.yaml"));
            Cli.Result headers = viaProxy(g, "http://httpbin.example.test/headers");
            assertThat(headers.stdout()).as(headers.toString())
                    .isEqualTo(web80.body("httpbin.example.test", "/headers") + "\n200");
            assertThat(g.awaitAccess(l -> "/headers".equals(l.get("path")) && "200".equals(l.get("response_code")))
                    .get("upstream_cluster"))
                    .isEqualTo("outbound|80||httpbin.example.test");

            g.apply("02.yaml", task("02-egress-control-google.yaml"));
            Cli.Result google = viaProxy(g, "https://www.google.example.test/");
            assertThat(google.stdout()).as(google.toString())
                    .isEqualTo(web443.body("www.google.example.test", "/") + "\n200");
            EnvoyAccessLine tunnel = g.awaitAccess(l -> "outbound|443||www.google.example.test".equals(l.get("upstream_cluster")));
            assertThat(tunnel.get("method")).isEqualTo("CONNECT");

            // 03 applies next to 01: an answer within the route's 3 s timeout still flows, /delay/5 gets 504 (UT).
            g.apply("03.yaml", task("03-egress-control-httpbin-timeout.yaml"));
            assertThat(g.gateway.policy().resources().virtualServices()).hasSize(1);
            assertThat(viaProxy(g, "http://httpbin.example.test/delay/1").stdout())
                    .isEqualTo(web80.body("httpbin.example.test", "/delay/1") + "\n200");
            Cli.Result cut = viaProxy(g, "http://httpbin.example.test/delay/5");
            assertThat(cut.stdout()).as(cut.toString()).endsWith("\n504");
            EnvoyAccessLine timedOut = g.awaitAccess(l -> "/delay/5".equals(l.get("path")));
            assertThat(timedOut.fields()).as(timedOut.toString())
                    .containsEntry("response_code", "504").containsEntry("response_flags", "UT");
            assertThat(timedOut.get("route_name")).startsWith("VirtualService/default/httpbin-ext");
        }
    }

    @Test
    void tlsOriginationTurnsTheApplicationsPlainHttpIntoHttpsToPort443() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("cnn.yaml", task("04-tls-origination-cnn-serviceentry.yaml"));
            Cli.Result plain = viaProxy(g, "http://edition.cnn.example.test/politics");
            assertThat(plain.stdout()).as(plain.toString())
                    .isEqualTo(web80.body("edition.cnn.example.test", "/politics") + "\n200");

            g.apply("cnn.yaml", task("05-tls-origination-cnn.yaml"));
            Cli.Result originated = viaProxy(g, "http://edition.cnn.example.test/politics");
            assertThat(originated.stdout()).as(originated.toString())
                    .isEqualTo(web443.body("edition.cnn.example.test", "/politics") + "\n200");
            Cli.Result endToEnd = viaProxy(g, "https://edition.cnn.example.test/politics");
            assertThat(endToEnd.stdout()).as(endToEnd.toString())
                    .isEqualTo(web443.body("edition.cnn.example.test", "/politics") + "\n200");
        }
    }

    @Test
    void mutualTlsOriginationUsesTheClientCertificateOfTheSecretAndNeverFallsBackToPlainText() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("06.yaml", task("06-tls-origination-mutual.yaml"));
            int before = nginx.requestCount();
            Cli.Result noSecret = viaProxy(g, "http://" + NGINX + ":443/");
            assertThat(noSecret.stdout()).as(noSecret.toString()).endsWith("\n502");
            assertThat(nginx.requestCount()).isEqualTo(before);

            g.apply("secret.yaml", secret("default", "client-credential",
                    nginxClient.writeCertChainPem(tmp.resolve("client.pem")),
                    nginxClient.writeKeyPem(tmp.resolve("client-key.pem")), caPem));
            Cli.Result page = viaProxy(g, "http://" + NGINX + ":443/");
            assertThat(page.stdout()).as(page.toString()).isEqualTo(nginx.body(NGINX + ":443", "/") + "\n200");
        }
    }

    @Test
    void egressGatewayForHttpRoutesByHostOnPort80() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(), Map.of())) {
            g.apply("07.yaml", task("07-egress-gateway-http.yaml"));
            assertThat(g.gateway.server().gatewayListeners()).containsKey(80);
            Cli.Result politics = toGateway(gatewayIp, "http://edition.cnn.example.test/politics",
                    "edition.cnn.example.test", 80);
            assertThat(politics.stdout()).as(politics.toString())
                    .isEqualTo(web80.body("edition.cnn.example.test", "/politics") + "\n200");
            EnvoyAccessLine line = g.awaitAccess(l -> "/politics".equals(l.get("path")));
            assertThat(line.get("method")).isEqualTo("GET");
            assertThat(line.get("upstream_cluster")).isEqualTo("outbound|80||edition.cnn.example.test");
            assertThat(line.listenerPort()).isEqualTo(80);

            Cli.Result otherHost = toGateway(gatewayIp, "http://edition.cnn.example.test/politics",
                    "edition.cnn.example.test", 80, "-H", "Host: www.google.example.test");
            assertThat(otherHost.stdout()).as(otherHost.toString()).endsWith("\n403");
            g.awaitAccessLine(l -> l.contains("not_gateway_host") && l.contains("www.google.example.test"));
        }
    }

    @Test
    void egressGatewayForHttpsPassesTlsThroughBySni() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(), Map.of())) {
            g.apply("08.yaml", task("08-egress-gateway-https.yaml"));
            Cli.Result politics = toGateway(gatewayIp, "https://edition.cnn.example.test/politics",
                    "edition.cnn.example.test", 443);
            assertThat(politics.stdout()).as(politics.toString())
                    .isEqualTo(web443.body("edition.cnn.example.test", "/politics") + "\n200");
            EnvoyAccessLine line = g.awaitAccess(l -> "outbound|443||edition.cnn.example.test".equals(l.get("upstream_cluster")));
            assertThat(line.get("requested_server_name")).isEqualTo("edition.cnn.example.test");
            assertThat(line.get("upstream_host")).isEqualTo(webIp.getHostAddress() + ":443");

            Cli.Result other = Cli.runWithInput(CLI, "", "openssl", "s_client", "-connect",
                    gatewayIp.getHostAddress() + ":443", "-servername", "www.google.example.test");
            assertThat(other.stdout() + other.stderr()).as(other.toString()).contains("unrecognized name");
        }
    }

    /**
     * The sidecar's plain HTTP inside the ISTIO_MUTUAL hop: the gateway verifies the caller's mesh
     * certificate, reads the request, follows the http route bound to the Gateway to port 443 and
     * originates TLS there (SIMPLE, the stand-in's certificate verified); the stand-in answers 200.
     */
    @Test
    void egressGatewayTlsOriginationServesTheHttpInsideTheIstioMutualHop() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(gatewayCerts), Map.of())) {
            g.apply("09.yaml", task("09-egress-gateway-tls-origination.yaml"));
            int before80 = web80.requestCount();
            int before443 = web443.requestCount();
            Cli.Result hop = sidecarHop(gatewayIp, 80, "edition.cnn.example.test", "/politics");
            assertThat(hop.stderr()).as(hop.toString()).contains("depth=0 O = cluster.local\nverify return:1");
            assertThat(hop.stdout()).as(hop.toString()).startsWith("HTTP/1.1 200")
                    .endsWith(web443.body("edition.cnn.example.test", "/politics"));
            assertThat(web443.requestCount()).as("requests the TLS stand-in served").isEqualTo(before443 + 1);
            assertThat(web80.requestCount()).as("nothing left in plain text").isEqualTo(before80);
            EnvoyAccessLine line = g.awaitAccess(l -> "/politics".equals(l.get("path")));
            assertThat(line.get("source_principal")).isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
            assertThat(line.get("method")).isEqualTo("GET");
            assertThat(line.get("response_code")).isEqualTo("200");
            assertThat(line.get("upstream_cluster")).isEqualTo("outbound|443||edition.cnn.example.test");
            assertThat(line.listenerPort()).isEqualTo(80);

            // Each request inside the hop is authorized with the caller's principal, method and path.
            g.apply("deny.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: no-politics-for-sleep, namespace: istio-system}
                    spec:
                      action: DENY
                      rules:
                      - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                        to: [{operation: {methods: [GET], paths: [/politics]}}]
                    """);
            Cli.Result denied = sidecarHop(gatewayIp, 80, "edition.cnn.example.test", "/politics");
            assertThat(denied.stdout()).as(denied.toString()).startsWith("HTTP/1.1 403");
            Cli.Result other = sidecarHop(gatewayIp, 80, "edition.cnn.example.test", "/world");
            assertThat(other.stdout()).as(other.toString()).startsWith("HTTP/1.1 200")
                    .endsWith(web443.body("edition.cnn.example.test", "/world"));
            g.awaitAccessLine(l -> l.contains("authz_denied") && l.contains("no-politics-for-sleep"));
            assertThat(g.scrape().sum("istio_requests_total", "destination_service", "edition.cnn.example.test",
                    "response_code", "200")).isEqualTo(2);
            assertThat(g.scrape().sum("istio_requests_total", "response_code", "403")).isEqualTo(1);
            assertThat(web80.requestCount()).as("nothing left in plain text").isEqualTo(before80);

            // A caller without a mesh certificate is refused.
            Cli.Result stranger = Cli.runWithInput(CLI, "", "openssl", "s_client", "-connect",
                    gatewayIp.getHostAddress() + ":80", "-servername", "edition.cnn.example.test",
                    "-CAfile", sleepCerts.resolve("root-cert.pem").toString());
            assertThat(stranger.stdout()).doesNotContain("HTTP/1.1 200");
            g.awaitAccessLine(l -> l.contains("tls_handshake_failed"));
        }
    }

    /**
     * On 09's HTTPS server, a caller that wraps the app's own TLS inside the hop keeps the byte
     * relay: the inner ClientHello's SNI is checked against the announced one, and the app's TLS
     * reaches the stand-in untouched.
     */
    @Test
    void appTlsInsideTheHopOnAnHttpsServerIsRelayedAsItIs() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(gatewayCerts), Map.of())) {
            g.apply("09.yaml", task("09-egress-gateway-tls-origination.yaml"));
            int before443 = web443.requestCount();
            try (java.net.Socket outer = MeshClient.connect(sleepCerts, gatewayIp.getHostAddress(), 80,
                    "edition.cnn.example.test");
                 java.net.Socket inner = MeshClient.tlsInside(outer, ca.clientSslContext(), "edition.cnn.example.test",
                         443)) {
                String response = MeshClient.get(inner, "edition.cnn.example.test");
                assertThat(response).startsWith("HTTP/1.1 200").endsWith(web443.body("edition.cnn.example.test", "/"));
            }
            assertThat(web443.requestCount()).isEqualTo(before443 + 1);
            EnvoyAccessLine line = g.awaitAccess(l -> "spiffe://cluster.local/ns/default/sa/sleep".equals(l.get("source_principal")));
            assertThat(line.get("upstream_cluster")).isEqualTo("outbound|443||edition.cnn.example.test");
            assertThat(line.get("path")).isEqualTo("-");
        }
    }

    /**
     * A {@code protocol: TLS} server whose hop's SNI names an entry port that is HTTP: the requests
     * inside are served one by one (each with its access line), not relayed as bytes.
     */
    @Test
    void httpEntryPortBehindATlsServerIsServedPerRequest() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(gatewayCerts), Map.of())) {
            g.apply("hop.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: cnn-http}
                    spec:
                      hosts: [edition.cnn.example.test]
                      ports: [{number: 80, name: http, protocol: HTTP}]
                      resolution: DNS
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: istio-egressgateway}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: 80, name: tls-hop, protocol: TLS}
                        hosts: [edition.cnn.example.test]
                        tls: {mode: ISTIO_MUTUAL}
                    """);
            Cli.Result hop = sidecarHop(gatewayIp, 80, "edition.cnn.example.test", "/politics");
            assertThat(hop.stdout()).as(hop.toString()).startsWith("HTTP/1.1 200")
                    .endsWith(web80.body("edition.cnn.example.test", "/politics"));
            EnvoyAccessLine line = g.awaitAccess(l -> "/politics".equals(l.get("path")));
            assertThat(line.get("method")).isEqualTo("GET");
            assertThat(line.get("source_principal")).isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
            assertThat(line.get("upstream_cluster")).isEqualTo("outbound|80||edition.cnn.example.test");
        }
    }

    /**
     * As for 09, with mutual TLS originated to nginx from the Secret istio-system/client-credential:
     * without the Secret the request fails (502) and nginx sees nothing; with it nginx answers 200.
     */
    @Test
    void egressGatewayMutualTlsOriginationUsesTheSecretForTheSidecarsRequest() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(gatewayCerts), Map.of())) {
            g.apply("10.yaml", task("10-egress-gateway-mtls-origination.yaml"));
            assertThat(g.gateway.server().gatewayListeners()).containsKey(443);
            int before = nginx.requestCount();
            Cli.Result noSecret = sidecarHop(gatewayIp, 443, NGINX, "/");
            assertThat(noSecret.stdout()).as(noSecret.toString()).startsWith("HTTP/1.1 502");
            assertThat(nginx.requestCount()).as("requests nginx served").isEqualTo(before);

            g.apply("secret.yaml", secret("istio-system", "client-credential",
                    nginxClient.writeCertChainPem(tmp.resolve("gw-client.pem")),
                    nginxClient.writeKeyPem(tmp.resolve("gw-client-key.pem")), caPem));
            Cli.Result hop = sidecarHop(gatewayIp, 443, NGINX, "/");
            assertThat(hop.stderr()).as(hop.toString()).contains("depth=0 O = cluster.local\nverify return:1");
            assertThat(hop.stdout()).as(hop.toString()).startsWith("HTTP/1.1 200").endsWith(nginx.body(NGINX, "/"));
            assertThat(nginx.requestCount()).as("requests nginx served").isEqualTo(before + 1);
            EnvoyAccessLine line = g.awaitAccess(l -> "/".equals(l.get("path")) && "200".equals(l.get("response_code")));
            assertThat(line.get("source_principal")).isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
            assertThat(line.get("upstream_cluster")).isEqualTo("outbound|443||" + NGINX);
            assertThat(line.listenerPort()).isEqualTo(443);
        }
    }

    /**
     * What the task's sidecar does on the ISTIO_MUTUAL hop: TLS to the gateway with the workload's
     * mesh certificate and the destination as SNI, verifying the gateway against the mesh root,
     * then the application's plain HTTP request inside.
     */
    private static Cli.Result sidecarHop(InetAddress gatewayIp, int port, String host, String path) {
        return Cli.runWithInput(CLI, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
                "openssl", "s_client", "-quiet", "-verify_return_error", "-connect", gatewayIp.getHostAddress() + ":" + port,
                "-servername", host, "-CAfile", sleepCerts.resolve("root-cert.pem").toString(),
                "-cert", sleepCerts.resolve("cert-chain.pem").toString(),
                "-key", sleepCerts.resolve("key.pem").toString());
    }

    @Test
    void wildcardEntryAllowsEverySubdomainDirectly() throws Exception {
        try (RunningGateway g = gateway()) {
            g.apply("11.yaml", task("11-wildcard-direct.yaml"));
            Cli.Result en = viaProxy(g, "https://en.wikipedia.example.test/wiki/Main_Page");
            assertThat(en.stdout()).as(en.toString())
                    .isEqualTo(web443.body("en.wikipedia.example.test", "/wiki/Main_Page") + "\n200");
            Cli.Result de = viaProxy(g, "https://de.wikipedia.example.test/wiki/Wikipedia:Hauptseite");
            assertThat(de.stdout()).as(de.toString())
                    .isEqualTo(web443.body("de.wikipedia.example.test", "/wiki/Wikipedia:Hauptseite") + "\n200");
            Cli.Result outside = viaProxy(g, "https://www.example.test/");
            assertThat(outside.exitCode()).as(outside.toString()).isNotZero();
            assertThat(outside.stderr()).contains("403");
        }
    }

    @Test
    void wildcardThroughTheEgressGatewayGoesToTheOneHostingServer() throws Exception {
        InetAddress gatewayIp = freshLoopback();
        // en. and de. resolve to an address where nothing listens: only www. serves them.
        String nowhere = freshLoopback().getHostAddress();
        try (RunningGateway g = gateway(gatewayIp, MeshOptions.gateway(),
                Map.of("en.wikipedia.example.test", nowhere, "de.wikipedia.example.test", nowhere))) {
            g.apply("11.yaml", task("11-wildcard-direct.yaml"));
            g.apply("12.yaml", task("12-wildcard-via-egress-gateway.yaml"));
            for (String lang : List.of("en", "de")) {
                String host = lang + ".wikipedia.example.test";
                Cli.Result page = toGateway(gatewayIp, "https://" + host + "/wiki/Main_Page", host, 443);
                assertThat(page.stdout()).as(page.toString()).isEqualTo(web443.body(host, "/wiki/Main_Page") + "\n200");
                EnvoyAccessLine line = g.awaitAccess(l -> host.equals(l.get("requested_server_name")));
                assertThat(line.get("upstream_cluster")).isEqualTo("outbound|443||www.wikipedia.example.test");
                assertThat(line.get("upstream_host")).isEqualTo(webIp.getHostAddress() + ":443");
            }
        }
    }

    /**
     * The application speaks to the corporate proxy itself (HTTPS_PROXY): through the gateway's
     * explicit proxy it opens a CONNECT tunnel to Squid's address, allowed by the entry's address
     * and port, and inside it asks Squid for {@code CONNECT en.wikipedia.example.test:443}, then
     * does its own TLS. A JDK client does it here: curl cannot chain two HTTP proxies.
     */
    @Test
    void httpsProxyIsReachedByItsAddressAndTunnelsTheApplicationsTls() throws Exception {
        Cli.requireCommand("squid");
        InetAddress squidIp = freshLoopback();
        // The task's own Squid rules: CONNECT only to 443, the cache manager from localhost only.
        try (SquidProcess squid = SquidProcess.startOn(squidIp, 3128, Map.of("en.wikipedia.example.test",
                webIp.getHostAddress()), List.of("acl SSL_ports port 443", "acl CONNECT method CONNECT",
                "http_access deny CONNECT !SSL_ports", "http_access allow localhost manager", "http_access deny manager"));
             RunningGateway g = gateway()) {
            Cli.Result before = viaProxy(g, "http://" + squidIp.getHostAddress() + ":3128/");
            assertThat(before.stdout()).as(before.toString()).endsWith("\n403");

            g.apply("13.yaml", task("13-http-proxy.yaml").replace("127.0.0.1/32", squidIp.getHostAddress() + "/32"));
            String page = ProxyChain.get(g.proxyPort(), squidIp.getHostAddress() + ":3128", "en.wikipedia.example.test",
                    443, "/wiki/Main_Page", ca.clientSslContext());
            assertThat(page).startsWith("HTTP/1.1 200").endsWith(web443.body("en.wikipedia.example.test", "/wiki/Main_Page"));
            EnvoyAccessLine line = g.awaitAccess(l -> (squidIp.getHostAddress() + ":3128").equals(l.get("upstream_host")));
            assertThat(line.get("upstream_cluster")).isEqualTo("outbound|3128||my-company-proxy.com");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> squid.accessLog()
                    .matches("(?s).*TCP_TUNNEL/200 \\d+ CONNECT en\\.wikipedia\\.example\\.test:443 .*"));

            // Another port of the same address stays blocked.
            Cli.Result otherPort = viaProxy(g, "http://" + squidIp.getHostAddress() + ":3129/");
            assertThat(otherPort.stdout()).as(otherPort.toString()).endsWith("\n403");
        }
    }
}
