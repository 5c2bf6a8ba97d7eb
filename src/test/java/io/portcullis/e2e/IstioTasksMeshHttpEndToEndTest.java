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
import io.portcullis.testsupport.MeshCerts;
import io.portcullis.testsupport.NetnsLab;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.SidecarProcess;
import io.portcullis.testsupport.TempConfigDir;
import io.portcullis.testsupport.TestCa;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's egress tasks where the sidecar sees the application's plain HTTP ({@code examples/istio-tasks}
 * 05, 07, 09, 10), as printed: the application is curl in a network namespace whose outbound TCP
 * {@code portcullis capture} sends to a sidecar JVM there; the sidecar serves it as HTTP, one decision
 * per request, with the VirtualService http routes bound to {@code mesh}, and (07, 09, 10) sends it to a
 * real gateway in the root namespace, on the second host-side address, which serves it on. The external
 * services' stand-ins listen on ports 80 and 443 of the first host-side address (10's nginx on a
 * loopback address only the gateway reaches); the tasks' names point there through the application's
 * {@code /etc/hosts} and each process's {@code --hosts-file}.
 */
class IstioTasksMeshHttpEndToEndTest {
    private static final String GATEWAY_HOST = "istio-egressgateway.istio-system.svc.cluster.local";
    private static final String CNN = "edition.cnn.example.test";
    private static final String NGINX = "my-nginx.mesh-external.svc.cluster.local";

    @TempDir
    static Path tmp;
    static NetnsLab lab;
    static NetnsLab.App app;
    static TestCa ca;
    static StandInOrigin web80;
    static StandInOrigin web443;
    static StandInOrigin nginx;
    static InetAddress nginxIp;
    static TestCa.Leaf nginxClient;
    static MeshCerts mesh;
    static Path gatewayCerts;
    static Path sleepCerts;

    @BeforeAll
    static void start() throws Exception {
        Cli.requireCommand("curl");
        lab = NetnsLab.create(1);
        app = lab.app(0);
        app.capture("--proxy-gid", String.valueOf(SidecarProcess.PROXY_GID));
        app.hosts(app.hostIp() + " " + CNN, app.hostIp() + " www.google.example.test", app.hostIp() + " " + NGINX);
        ca = TestCa.create("example.com");
        ca.writeCaPem(tmp.resolve("example-ca.pem"));
        InetAddress web = InetAddress.getByName(app.hostIp());
        web80 = StandInOrigin.http("web80", web, 80);
        web443 = StandInOrigin.https("web443", web, 443, ca.sslContextFor(ca.issueServer(CNN)), false);
        nginxIp = IstioTasksEndToEndTest.freshLoopback();
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
        if (lab != null) {
            lab.close();
        }
    }

    /** A task file with the stand-ins' CA in place of the public CAs the tasks trust. */
    private static String task(String file) throws Exception {
        return Files.readString(Path.of("examples/istio-tasks", file))
                .replace("/etc/portcullis/istio-tasks/example-ca.pem", tmp.resolve("example-ca.pem").toString());
    }

    /** The sidecar's --hosts-file: the tasks' names at the stand-ins, the egress gateway at the second address. */
    private static Path sidecarHosts(String... more) throws Exception {
        List<String> lines = new ArrayList<>(List.of(app.hostIp() + " " + CNN, app.hostIp() + " " + NGINX,
                app.otherHostIp() + " " + GATEWAY_HOST));
        lines.addAll(List.of(more));
        return Files.writeString(Files.createTempFile(tmp, "hosts", ".txt"), String.join("\n", lines) + "\n");
    }

    /** A gateway in the root namespace with its Gateway listeners on the second host-side address. */
    private static RunningGateway gateway(MeshOptions meshOptions) throws Exception {
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put(CNN, app.hostIp());
        hosts.put(NGINX, nginxIp.getHostAddress());
        return RunningGateway.start(new RunningGateway.Options(OutboundPolicy.REGISTRY_ONLY,
                ProxySettings.defaults(InetAddress.getByName(app.otherHostIp())),
                List.of(Cidr.parse("10.237.0.0/16"), Cidr.parse("127.0.0.0/8")), hosts, AccessLogFormat.TEXT,
                GatewayMetrics.DEFAULT_MAX_LABEL_VALUES, null, meshOptions));
    }

    private static SidecarProcess sidecar(Path config, Path certs, Path hosts) {
        return SidecarProcess.start(app, config, certs, hosts, "--access-log-format", "text");
    }

    /** curl in the application's namespace; stdout ends with the status code on a line of its own. */
    private static Cli.Result curl(String url, String... extra) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"));
        argv.addAll(List.of(extra));
        argv.add(url);
        return app.exec(argv.toArray(String[]::new));
    }

    /** The sidecar's metrics, fetched with curl inside the namespace from the admin port it printed. */
    private static PrometheusScrape sidecarMetrics(SidecarProcess sidecar) {
        java.util.regex.Matcher admin = java.util.regex.Pattern.compile("admin on (127\\.0\\.0\\.1:\\d+)")
                .matcher(sidecar.stderr());
        assertThat(admin.find()).as(sidecar.stderr()).isTrue();
        Cli.Result scrape = app.exec("curl", "-sS", "--max-time", "10", "http://" + admin.group(1) + "/stats/prometheus");
        assertThat(scrape.exitCode()).as(scrape.toString()).isZero();
        return PrometheusScrape.parse(scrape.stdout(), "text/plain");
    }

    private static EnvoyAccessLine awaitLine(SidecarProcess sidecar, Predicate<EnvoyAccessLine> test) {
        String line = sidecar.awaitAccessLine(l -> test.test(EnvoyAccessLine.parse(l)));
        return EnvoyAccessLine.parse(line);
    }

    /**
     * 05 in the sidecar, as in Istio: the application's plain request to port 80 leaves the sidecar as
     * HTTPS to port 443 (the entry's targetPort; DestinationRule SIMPLE, the stand-in's certificate
     * verified for the name); the application's own https:// still passes through by SNI.
     */
    @Test
    void task05TheSidecarOriginatesTls() throws Exception {
        try (TempConfigDir config = TempConfigDir.create()) {
            config.write("05.yaml", task("05-tls-origination-cnn.yaml"));
            try (SidecarProcess sidecar = sidecar(config.path(), null, sidecarHosts())) {
                int before80 = web80.requestCount();
                Cli.Result politics = curl("http://" + CNN + "/politics");
                assertThat(politics.stdout()).as(politics.toString()).isEqualTo(web443.body(CNN, "/politics") + "\n200");
                assertThat(web80.requestCount()).as("nothing left in plain text").isEqualTo(before80);
                EnvoyAccessLine line = awaitLine(sidecar, l -> "/politics".equals(l.get("path")));
                assertThat(line.fields()).as(line.toString()).containsEntry("method", "GET")
                        .containsEntry("response_code", "200").containsEntry("authority", CNN + ":80")
                        .containsEntry("upstream_host", app.hostIp() + ":443")
                        .containsEntry("upstream_cluster", "outbound|80||" + CNN);

                Cli.Result https = curl("https://" + CNN + "/world", "--cacert", tmp.resolve("example-ca.pem").toString());
                assertThat(https.stdout()).as(https.toString()).isEqualTo(web443.body(CNN, "/world") + "\n200");
            }
        }
    }

    /**
     * 07: the sidecar's mesh route sends the application's request to the egress gateway's port 80 (plain
     * HTTP, subset cnn), whose route bound to the Gateway sends it on to the stand-in.
     */
    @Test
    void task07TheSidecarSendsHttpToTheEgressGateway() throws Exception {
        try (RunningGateway g = gateway(MeshOptions.gateway())) {
            g.apply("07.yaml", task("07-egress-gateway-http.yaml"));
            try (SidecarProcess sidecar = sidecar(g.config.path(), null, sidecarHosts())) {
                Cli.Result politics = curl("http://" + CNN + "/politics");
                assertThat(politics.stdout()).as(politics.toString()).isEqualTo(web80.body(CNN, "/politics") + "\n200");

                EnvoyAccessLine atSidecar = awaitLine(sidecar, l -> "/politics".equals(l.get("path")));
                assertThat(atSidecar.fields()).as(atSidecar.toString()).containsEntry("response_code", "200")
                        .containsEntry("upstream_host", app.otherHostIp() + ":80")
                        .containsEntry("route_name", "VirtualService/default/direct-cnn-through-egress-gateway.http[0]");
                EnvoyAccessLine atGateway = g.awaitAccess(l -> "/politics".equals(l.get("path")));
                assertThat(atGateway.fields()).as(atGateway.toString()).containsEntry("method", "GET")
                        .containsEntry("upstream_cluster", "outbound|80||" + CNN)
                        .containsEntry("upstream_host", app.hostIp() + ":80")
                        .containsEntry("route_name", "VirtualService/default/direct-cnn-through-egress-gateway.http[1]");
                assertThat(atGateway.get("downstream_remote_address")).startsWith(app.appIp() + ":");
                assertThat(atGateway.listenerPort()).isEqualTo(80);
            }
        }
    }

    /**
     * 09: the sidecar sends the application's plain request to the gateway over ISTIO_MUTUAL (the
     * subset's port-level TLS, SNI edition.cnn) with the workload's identity; the gateway reads it and
     * originates TLS to port 443. Nothing leaves in plain text.
     */
    @Test
    void task09TheSidecarSendsHttpOverIstioMutualAndTheGatewayOriginatesTls() throws Exception {
        try (RunningGateway g = gateway(MeshOptions.gateway(gatewayCerts))) {
            g.apply("09.yaml", task("09-egress-gateway-tls-origination.yaml"));
            try (SidecarProcess sidecar = sidecar(g.config.path(), sleepCerts, sidecarHosts())) {
                int before80 = web80.requestCount();
                Cli.Result politics = curl("http://" + CNN + "/politics");
                assertThat(politics.stdout()).as(politics.toString()).isEqualTo(web443.body(CNN, "/politics") + "\n200");
                assertThat(web80.requestCount()).as("nothing left in plain text").isEqualTo(before80);

                EnvoyAccessLine atSidecar = awaitLine(sidecar, l -> "/politics".equals(l.get("path")));
                assertThat(atSidecar.fields()).as(atSidecar.toString()).containsEntry("response_code", "200")
                        .containsEntry("upstream_host", app.otherHostIp() + ":80")
                        .containsEntry("route_name", "VirtualService/default/direct-cnn-through-egress-gateway.http[0]");
                EnvoyAccessLine atGateway = g.awaitAccess(l -> "/politics".equals(l.get("path")));
                assertThat(atGateway.fields()).as(atGateway.toString())
                        .containsEntry("source_principal", "spiffe://cluster.local/ns/default/sa/sleep")
                        .containsEntry("upstream_cluster", "outbound|443||" + CNN)
                        .containsEntry("upstream_host", app.hostIp() + ":443");
                assertThat(g.scrape().sum("istio_requests_total", "destination_service", CNN, "response_code", "200"))
                        .isEqualTo(1);
                // The sidecar labels its request by the cluster it sent it to, as Istio's sidecar does: the gateway's
                // service (the route's destination, its subset's cluster), not the external host the app named.
                PrometheusScrape atSidecarMetrics = sidecarMetrics(sidecar);
                assertThat(atSidecarMetrics.sum("istio_requests_total", "destination_service", GATEWAY_HOST,
                        "destination_port", "80", "response_code", "200")).as(atSidecarMetrics.text()).isEqualTo(1);
                assertThat(atSidecarMetrics.sum("istio_requests_total", "destination_service", CNN))
                        .as(atSidecarMetrics.text()).isZero();
            }
        }
    }

    /**
     * 10: as 09 on the gateway's port 443, the gateway originating mutual TLS to nginx from the Secret
     * istio-system/client-credential: nginx answers the application's plain request.
     */
    @Test
    void task10TheGatewayOriginatesMutualTlsForTheSidecarsRequest() throws Exception {
        try (RunningGateway g = gateway(MeshOptions.gateway(gatewayCerts))) {
            g.apply("10.yaml", task("10-egress-gateway-mtls-origination.yaml"));
            g.apply("secret.yaml", IstioTasksEndToEndTest.secret("istio-system", "client-credential",
                    nginxClient.writeCertChainPem(tmp.resolve("gw-client.pem")),
                    nginxClient.writeKeyPem(tmp.resolve("gw-client-key.pem")), tmp.resolve("example-ca.pem")));
            try (SidecarProcess sidecar = sidecar(g.config.path(), sleepCerts, sidecarHosts())) {
                int before = nginx.requestCount();
                Cli.Result page = curl("http://" + NGINX + "/");
                assertThat(page.stdout()).as(page.toString()).isEqualTo(nginx.body(NGINX, "/") + "\n200");
                assertThat(nginx.requestCount()).isEqualTo(before + 1);
                EnvoyAccessLine atSidecar = awaitLine(sidecar, l -> (NGINX + ":80").equals(l.get("authority")));
                assertThat(atSidecar.get("upstream_host")).isEqualTo(app.otherHostIp() + ":443");
                EnvoyAccessLine atGateway = g.awaitAccess(l -> "200".equals(l.get("response_code")));
                assertThat(atGateway.fields()).as(atGateway.toString())
                        .containsEntry("source_principal", "spiffe://cluster.local/ns/default/sa/sleep")
                        .containsEntry("upstream_cluster", "outbound|443||" + NGINX);
            }
        }
    }

    /** Two HTTP entries on port 80; www.google is declared but, for the sidecar, lives at the other address. */
    private static final String TWO_ENTRIES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: cnn}
            spec:
              hosts: [edition.cnn.example.test]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: google}
            spec:
              hosts: [www.google.example.test]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            """;

    /**
     * Two requests on one connection (curl reuses it: both URLs name the same host and port), the second
     * with the Host header {@code secondHost}; the answers with their heads.
     */
    private static Cli.Result twoRequests(String secondHost) {
        return app.exec("curl", "-sS", "-i", "--max-time", "20", "http://" + CNN + "/first", "--next", "-sS", "-i",
                "--max-time", "20", "-H", "Host: " + secondHost, "http://" + CNN + "/second");
    }

    /**
     * The spoofing defence holds per request: the second request of a keep-alive connection is admitted
     * on its own Host, so a Host the first request's decision never covered is refused (403 with the
     * reason), whether it is undeclared or declared but resolving elsewhere, and never reaches the
     * server the connection went to. A second request for the same Host is served on the same upstream.
     */
    @Test
    void eachRequestOfAKeepAliveConnectionIsAdmittedByItsOwnHost() throws Exception {
        try (TempConfigDir config = TempConfigDir.create()) {
            config.write("entries.yaml", TWO_ENTRIES);
            try (SidecarProcess sidecar = sidecar(config.path(), null,
                    sidecarHosts(app.otherHostIp() + " www.google.example.test"))) {
                int before = web80.requestCount();
                Cli.Result same = twoRequests(CNN);
                assertThat(same.stdout()).as(same.toString()).contains(web80.body(CNN, "/first"))
                        .contains(web80.body(CNN, "/second"));
                assertThat(web80.requestCount()).isEqualTo(before + 2);

                Cli.Result elsewhere = twoRequests("www.google.example.test");
                assertThat(elsewhere.stdout()).as(elsewhere.toString()).contains(web80.body(CNN, "/first"))
                        .contains("HTTP/1.1 403").contains("x-portcullis-reason: host_mismatch")
                        .doesNotContain("path=/second");
                EnvoyAccessLine mismatch = awaitLine(sidecar, l -> "/second".equals(l.get("path"))
                        && "403".equals(l.get("response_code")));
                assertThat(mismatch.get("message")).as(mismatch.toString())
                        .contains("Host www.google.example.test resolves to " + app.otherHostIp() + ", not to "
                                + app.hostIp());
                // The same client connection: the first request's line has the same client address and port.
                EnvoyAccessLine first = awaitLine(sidecar, l -> "/first".equals(l.get("path"))
                        && mismatch.get("downstream_remote_address").equals(l.get("downstream_remote_address")));
                assertThat(first.get("response_code")).isEqualTo("200");

                Cli.Result undeclared = twoRequests("undeclared.example.test");
                assertThat(undeclared.stdout()).as(undeclared.toString()).contains(web80.body(CNN, "/first"))
                        .contains("HTTP/1.1 403").contains("x-portcullis-reason: no_service_entry")
                        .doesNotContain("path=/second");
                assertThat(web80.requestCount()).as("only the first requests reached the server").isEqualTo(before + 4);

                // HTTP/1.0 without a Host names no entry: decided by the address, which none declares.
                Cli.Result noHost = app.exec("curl", "-sS", "-i", "--max-time", "20", "--http1.0", "-H", "Host:",
                        "http://" + app.hostIp() + "/nohost");
                assertThat(noHost.stdout()).as(noHost.toString()).startsWith("HTTP/1.1 403")
                        .contains("x-portcullis-reason: no_service_entry").doesNotContain("path=/nohost");
            }
        }
    }

    /**
     * A mesh http route's actions on the capture: a fault abort is answered by the sidecar (flag FI,
     * nothing sent upstream), a rewrite reaches the server, each request with its own access line
     * naming its route; a path none of the host's routes matches is refused ({@code no_route}).
     */
    @Test
    void meshRouteActionsApplyOnTheCapture() throws Exception {
        try (TempConfigDir config = TempConfigDir.create()) {
            config.write("entries.yaml", TWO_ENTRIES);
            config.write("routes.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: cnn-actions}
                    spec:
                      hosts: [edition.cnn.example.test]
                      http:
                      - name: teapot
                        match: [{uri: {prefix: /teapot}}]
                        fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                        route: [{destination: {host: edition.cnn.example.test}}]
                      - name: moved
                        match: [{uri: {prefix: /old/}}]
                        rewrite: {uri: /new/}
                        route: [{destination: {host: edition.cnn.example.test, port: {number: 80}}}]
                    """);
            try (SidecarProcess sidecar = sidecar(config.path(), null, sidecarHosts())) {
                int before = web80.requestCount();
                Cli.Result teapot = curl("http://" + CNN + "/teapot");
                assertThat(teapot.stdout()).as(teapot.toString()).endsWith("\n418");
                assertThat(web80.requestCount()).isEqualTo(before);
                EnvoyAccessLine aborted = awaitLine(sidecar, l -> "/teapot".equals(l.get("path")));
                assertThat(aborted.fields()).as(aborted.toString()).containsEntry("response_code", "418")
                        .containsEntry("response_flags", "FI").containsEntry("route_name", "teapot");

                Cli.Result moved = curl("http://" + CNN + "/old/page");
                assertThat(moved.stdout()).as(moved.toString()).isEqualTo(web80.body(CNN, "/new/page") + "\n200");
                EnvoyAccessLine rewritten = awaitLine(sidecar, l -> "/old/page".equals(l.get("path")));
                assertThat(rewritten.fields()).as(rewritten.toString()).containsEntry("response_code", "200")
                        .containsEntry("route_name", "moved").containsEntry("upstream_host", app.hostIp() + ":80");

                // A path no route matches: the host's VirtualService covers it, so no_route.
                Cli.Result unmatched = curl("http://" + CNN + "/elsewhere", "-i");
                assertThat(unmatched.stdout()).as(unmatched.toString()).contains("x-portcullis-reason: no_route")
                        .endsWith("\n403");
                assertThat(web80.requestCount()).isEqualTo(before + 1);

                // Each request is a sample of istio_requests_total, read from the sidecar's admin port.
                PrometheusScrape metrics = sidecarMetrics(sidecar);
                assertThat(metrics.sum("istio_requests_total", "response_code", "418", "response_flags", "FI"))
                        .as(metrics.text()).isEqualTo(1);
                assertThat(metrics.sum("istio_requests_total", "destination_service", CNN, "response_code", "200"))
                        .as(metrics.text()).isEqualTo(1);
            }
        }
    }
}
