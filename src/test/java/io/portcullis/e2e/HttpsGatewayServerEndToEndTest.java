package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.EnvoyAccessLine;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway servers with {@code protocol: HTTPS} and {@code tls.mode: SIMPLE}, {@code OPTIONAL_MUTUAL}
 * or {@code MUTUAL} (for clients that are not sidecars) are served: the gateway terminates TLS with the certificate of the
 * server the SNI names (from files or a {@code credentialName} Secret), then routes the HTTP
 * inside by its Host header as a plain-HTTP Gateway server does. Real curl and openssl against
 * a real origin.
 */
class HttpsGatewayServerEndToEndTest {
    private static final Duration CLI = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static HttpOrigin origin;
    static TestCa ca;
    static Path caPem;

    @BeforeAll
    static void start() {
        Cli.requireCommand("curl");
        Cli.requireCommand("openssl");
        origin = new HttpOrigin("books");
        ca = TestCa.create("gateway ca");
        caPem = ca.writeCaPem(tmp.resolve("gateway-ca.pem"));
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    private static String pem(Path p) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readString(p).getBytes(StandardCharsets.US_ASCII));
    }

    private static String entries() {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: books}
                spec:
                  hosts: [a.example.test, b.example.test, c.example.test]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(origin.port());
    }

    /** curl to {@code https://name:port/} through the gateway's listener, trusting the gateway's CA. */
    private static Cli.Result curl(String name, int port, String... extra) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "--max-time", "20",
                "--cacert", caPem.toString(), "--resolve", name + ":" + port + ":127.0.0.1",
                "-w", "\n%{http_code}"));
        argv.addAll(java.util.List.of(extra));
        argv.add("https://" + name + ":" + port + "/shelf");
        return Cli.run(CLI, argv.toArray(String[]::new));
    }

    @Test
    void sniPicksTheServersCertificateFromFilesOrASecretAndHttpIsRoutedByHost() throws Exception {
        TestCa.Leaf a = ca.issueServer("a.example.test");
        TestCa.Leaf b = ca.issueServer("b.example.test");
        Path aCert = a.writeCertChainPem(tmp.resolve("a.pem"));
        Path aKey = a.writeKeyPem(tmp.resolve("a-key.pem"));
        try (RunningGateway g = RunningGateway.start("a.example.test", "b.example.test", "c.example.test")) {
            g.apply("secret.yaml", """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: b-cert}
                    type: kubernetes.io/tls
                    data:
                      tls.crt: %s
                      tls.key: %s
                    """.formatted(pem(b.writeCertChainPem(tmp.resolve("b.pem"))), pem(b.writeKeyPem(tmp.resolve("b-key.pem")))));
            int port = g.applyOnFreePort("gw.yaml", p -> entries() + """
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https-a, protocol: HTTPS}
                        hosts: [a.example.test]
                        tls: {mode: SIMPLE, serverCertificate: %s, privateKey: %s}
                      - port: {number: %d, name: https-b, protocol: HTTPS}
                        hosts: [b.example.test]
                        tls: {mode: SIMPLE, credentialName: b-cert}
                    """.formatted(p, aCert, aKey, p));

            // curl checks the certificate names the host: each name gets its own server's certificate.
            Cli.Result toA = curl("a.example.test", port);
            assertThat(toA.stdout()).as(toA.toString()).isEqualTo(origin.body() + "\n200");
            assertThat(origin.lastHost()).isEqualTo("a.example.test:" + port);
            assertThat(origin.lastUri()).isEqualTo("/shelf");
            Cli.Result toB = curl("b.example.test", port);
            assertThat(toB.stdout()).as(toB.toString()).isEqualTo(origin.body() + "\n200");
            Cli.Result subject = Cli.runWithInput(CLI, "", "openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", "b.example.test", "-CAfile", caPem.toString(), "-verify_return_error");
            assertThat(subject.stdout()).as(subject.toString()).contains("Verify return code: 0 (ok)")
                    .containsPattern("subject=.*b\\.example\\.test");

            EnvoyAccessLine line = g.awaitAccess(l -> "b.example.test".equals(l.get("requested_server_name"))
                    && "200".equals(l.get("response_code")));
            assertThat(line.get("method")).isEqualTo("GET");
            assertThat(line.get("authority")).isEqualTo("b.example.test:" + port);
            assertThat(line.get("upstream_host")).isEqualTo("127.0.0.1:" + origin.port());
            assertThat(line.listenerPort()).isEqualTo(port);

            // A name that no server on the port lists is refused before any certificate is shown,
            // though a ServiceEntry declares it.
            int before = origin.requestCount();
            Cli.Result toC = curl("c.example.test", port);
            assertThat(toC.exitCode()).as(toC.toString()).isNotZero();
            assertThat(toC.stderr()).containsIgnoringCase("unrecognized name");
            Cli.Result sc = Cli.runWithInput(CLI, "", "openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", "c.example.test");
            assertThat(sc.stdout() + sc.stderr()).as(sc.toString()).contains("unrecognized name")
                    .doesNotContain("BEGIN CERTIFICATE");
            assertThat(g.awaitAccessLine(l -> l.contains("not_gateway_host") && l.contains("c.example.test")))
                    .contains("SNI c.example.test is not a host of the Gateway servers");

            // The Host inside is held to the name the SNI gave, so to the server it picked: a request for
            // another server's host on this connection is misdirected (MisdirectedRequestEndToEndTest).
            Cli.Result crossed = curl("a.example.test", port, "-H", "Host: b.example.test:" + port);
            assertThat(crossed.stdout()).as(crossed.toString()).endsWith("\n421");
            assertThat(g.awaitAccessLine(l -> l.contains("host_mismatch") && l.contains("Host b.example.test")))
                    .contains("SNI a.example.test");
            assertThat(origin.requestCount()).isEqualTo(before);
        }
    }

    @Test
    void optionalMutualServesClientsWithAndWithoutACertificateAndRefusesAnUntrustedOne() throws Exception {
        TestCa.Leaf server = ca.issueServer("a.example.test");
        TestCa clients = TestCa.create("client ca");
        TestCa.Leaf sleep = clients.issueClient("spiffe://cluster.local/ns/default/sa/sleep");
        TestCa.Leaf stranger = TestCa.create("stranger").issueClient("spiffe://cluster.local/ns/default/sa/stranger");
        try (RunningGateway g = RunningGateway.start("a.example.test")) {
            int port = g.applyOnFreePort("gw.yaml", p -> entries() + """
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https, protocol: HTTPS}
                        hosts: [a.example.test]
                        tls: {mode: OPTIONAL_MUTUAL, serverCertificate: %s, privateKey: %s, caCertificates: %s}
                    """.formatted(p, server.writeCertChainPem(tmp.resolve("o.pem")), server.writeKeyPem(tmp.resolve("o-key.pem")),
                    clients.writeCaPem(tmp.resolve("clients.pem"))));

            Cli.Result anonymous = curl("a.example.test", port);
            assertThat(anonymous.stdout()).as(anonymous.toString()).isEqualTo(origin.body() + "\n200");
            Cli.Result known = curl("a.example.test", port, "--cert", sleep.writeCertChainPem(tmp.resolve("s.pem")).toString(),
                    "--key", sleep.writeKeyPem(tmp.resolve("s-key.pem")).toString(), "-H", "x-caller: sleep");
            assertThat(known.stdout()).as(known.toString()).isEqualTo(origin.body() + "\n200");
            assertThat(g.awaitAccess(l -> "spiffe://cluster.local/ns/default/sa/sleep".equals(l.get("source_principal")))
                    .get("response_code")).isEqualTo("200");

            Cli.Result untrusted = curl("a.example.test", port, "--cert",
                    stranger.writeCertChainPem(tmp.resolve("x.pem")).toString(),
                    "--key", stranger.writeKeyPem(tmp.resolve("x-key.pem")).toString());
            assertThat(untrusted.exitCode()).as(untrusted.toString()).isNotZero();
            assertThat(g.awaitAccessLine(l -> l.contains("tls_handshake_failed"))).contains("TLS failed");
        }
    }

    /**
     * {@code tls.mode: MUTUAL} for clients that are not sidecars: the client must present a
     * certificate the server's {@code caCertificates} verify (none, or one from another CA, fails
     * the handshake); then its requests are routed by Host as on a SIMPLE server, with the
     * certificate's SPIFFE ID as the principal AuthorizationPolicies see.
     */
    @Test
    void mutualRequiresACertificateFromTheServersCaAndItsSpiffeIdIsThePrincipal() throws Exception {
        TestCa.Leaf server = ca.issueServer("a.example.test");
        TestCa clients = TestCa.create("partner ca");
        TestCa.Leaf sleep = clients.issueClient("spiffe://cluster.local/ns/default/sa/sleep");
        TestCa.Leaf other = clients.issueClient("spiffe://cluster.local/ns/default/sa/other");
        TestCa.Leaf stranger = TestCa.create("stranger").issueClient("spiffe://cluster.local/ns/default/sa/sleep");
        try (RunningGateway g = RunningGateway.start("a.example.test")) {
            int port = g.applyOnFreePort("gw.yaml", p -> entries() + """
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https, protocol: HTTPS}
                        hosts: [a.example.test]
                        tls: {mode: MUTUAL, serverCertificate: %s, privateKey: %s, caCertificates: %s}
                    ---
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: only-sleep, namespace: istio-system}
                    spec:
                      action: ALLOW
                      rules:
                      - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                    """.formatted(p, server.writeCertChainPem(tmp.resolve("m.pem")), server.writeKeyPem(tmp.resolve("m-key.pem")),
                    clients.writeCaPem(tmp.resolve("partners.pem"))));
            int before = origin.requestCount();

            Cli.Result anonymous = curl("a.example.test", port);
            assertThat(anonymous.exitCode()).as(anonymous.toString()).isNotZero();
            Cli.Result untrusted = curl("a.example.test", port, "--cert",
                    stranger.writeCertChainPem(tmp.resolve("ms.pem")).toString(),
                    "--key", stranger.writeKeyPem(tmp.resolve("ms-key.pem")).toString());
            assertThat(untrusted.exitCode()).as(untrusted.toString()).isNotZero();
            g.awaitAccessLine(l -> l.contains("tls_handshake_failed"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> g.accessLines().stream()
                    .filter(l -> l.contains("tls_handshake_failed")).count() >= 2);
            assertThat(origin.requestCount()).as("requests the origin served").isEqualTo(before);

            Cli.Result known = curl("a.example.test", port, "--cert", sleep.writeCertChainPem(tmp.resolve("m-s.pem")).toString(),
                    "--key", sleep.writeKeyPem(tmp.resolve("m-s-key.pem")).toString());
            assertThat(known.stdout()).as(known.toString()).isEqualTo(origin.body() + "\n200");
            EnvoyAccessLine line = g.awaitAccess(l -> "spiffe://cluster.local/ns/default/sa/sleep".equals(l.get("source_principal"))
                    && "200".equals(l.get("response_code")));
            assertThat(line.get("method")).isEqualTo("GET");
            assertThat(line.get("path")).isEqualTo("/shelf");
            assertThat(line.listenerPort()).isEqualTo(port);

            // The right CA, another identity: the AuthorizationPolicy sees its SPIFFE ID and refuses it.
            Cli.Result refused = curl("a.example.test", port, "--cert", other.writeCertChainPem(tmp.resolve("m-o.pem")).toString(),
                    "--key", other.writeKeyPem(tmp.resolve("m-o-key.pem")).toString());
            assertThat(refused.stdout()).as(refused.toString()).endsWith("\n403");
            assertThat(g.awaitAccess(l -> "spiffe://cluster.local/ns/default/sa/other".equals(l.get("source_principal")))
                    .get("response_code_details")).isEqualTo("authz_denied");
            assertThat(origin.requestCount()).isEqualTo(before + 1);
        }
    }

    /** A client that sends no ClientHello, and one that speaks plain HTTP, are closed with their reason logged. */
    @Test
    void aSilentClientTimesOutAndPlainHttpFailsTheHandshake() throws Exception {
        TestCa.Leaf a = ca.issueServer("a.example.test");
        ProxySettings d = ProxySettings.defaults(java.net.InetAddress.getLoopbackAddress());
        ProxySettings quick = new ProxySettings(d.gatewayAddress(), d.maxHeaderBytes(), d.maxClientHello(),
                Duration.ofMillis(500), d.idleTimeout(), d.connectTimeout());
        try (RunningGateway g = RunningGateway.start(io.portcullis.policy.OutboundPolicy.REGISTRY_ONLY, quick,
                "a.example.test")) {
            int port = g.applyOnFreePort("gw.yaml", p -> entries() + """
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https, protocol: HTTPS}
                        hosts: [a.example.test]
                        tls: {mode: SIMPLE, serverCertificate: %s, privateKey: %s}
                    """.formatted(p, a.writeCertChainPem(tmp.resolve("t.pem")), a.writeKeyPem(tmp.resolve("t-key.pem"))));
            try (java.net.Socket silent = new java.net.Socket("127.0.0.1", port)) {
                silent.setSoTimeout(20_000);
                assertThat(silent.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
            }
            assertThat(g.awaitAccessLine(l -> l.contains("inspect_timeout"))).contains("no complete ClientHello within 500 ms");

            Cli.Result plain = Cli.run(CLI, "curl", "-sS", "--max-time", "20", "--resolve",
                    "a.example.test:" + port + ":127.0.0.1", "http://a.example.test:" + port + "/shelf");
            assertThat(plain.exitCode()).as(plain.toString()).isNotZero();
            assertThat(g.awaitAccessLine(l -> l.contains("tls_handshake_failed"))).contains("TLS failed: NotSslRecordException");
        }
    }

    /** From the Kubernetes source: the server certificate of a Secret, and its rotation, reach new connections. */
    @Test
    void theKubernetesSourceServesTheCertificateOfTheSecretAndFollowsItsRotation() throws Exception {
        TestCa other = TestCa.create("another ca");
        Path otherPem = other.writeCaPem(tmp.resolve("other-ca.pem"));
        try (io.portcullis.testsupport.KubernetesMockApi api = io.portcullis.testsupport.KubernetesMockApi.start();
             RunningGateway g = RunningGateway.startKubernetes(io.portcullis.sources.kubernetes.KubernetesSettings.of(
                     java.util.Optional.of(api.kubeconfig()), java.util.List.of()).withIdentity("replica-a"),
                     "a.example.test")) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> g.gateway.kubernetes().orElseThrow().synced());
            api.client().secrets().inNamespace("default").resource(secret(ca.issueServer("a.example.test"))).create();
            api.apply(entries().replace("metadata: {name: books}", "metadata: {name: books, namespace: default}"));
            int port = io.portcullis.testsupport.FreePorts.pick();
            api.apply("""
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: egress, namespace: default}
                    spec:
                      selector: {istio: egressgateway}
                      servers:
                      - port: {number: %d, name: https, protocol: HTTPS}
                        hosts: [a.example.test]
                        tls: {mode: SIMPLE, credentialName: gateway-cert}
                    """.formatted(port));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> curl("a.example.test", port).stdout().endsWith("\n200"));

            api.client().secrets().inNamespace("default").resource(secret(other.issueServer("a.example.test"))).update();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> curl("a.example.test", port).exitCode() != 0);
            Cli.Result rotated = Cli.run(CLI, "curl", "-sS", "--max-time", "20", "--cacert", otherPem.toString(),
                    "--resolve", "a.example.test:" + port + ":127.0.0.1", "-w", "\n%{http_code}",
                    "https://a.example.test:" + port + "/shelf");
            assertThat(rotated.stdout()).as(rotated.toString()).isEqualTo(origin.body() + "\n200");
        }
    }

    private static io.fabric8.kubernetes.api.model.Secret secret(TestCa.Leaf leaf) throws Exception {
        String cert = Files.readString(leaf.writeCertChainPem(Files.createTempFile(tmp, "c", ".pem")));
        String key = Files.readString(leaf.writeKeyPem(Files.createTempFile(tmp, "k", ".pem")));
        return new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("gateway-cert")
                .withNamespace("default").endMetadata().withType("kubernetes.io/tls")
                .withData(java.util.Map.of("tls.crt", b64(cert), "tls.key", b64(key))).build();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
