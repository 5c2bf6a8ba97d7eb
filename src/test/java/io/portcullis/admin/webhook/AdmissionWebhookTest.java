package io.portcullis.admin.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.TestCa;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission webhook over real TLS with a certificate from {@link TestCa}: AdmissionReviews as
 * the API server sends them, posted with curl and with the JDK's HTTP client, both verifying the
 * webhook's certificate; and a rotated certificate presented to new connections.
 */
class AdmissionWebhookTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    private TestCa ca;
    private Path caPem;
    private AdmissionWebhook webhook;

    @BeforeEach
    void start() throws Exception {
        ca = TestCa.create("webhook test ca");
        caPem = ca.writeCaPem(tmp.resolve("ca.pem"));
        TestCa.Leaf leaf = ca.issueServer("portcullis-webhook.portcullis.svc", "127.0.0.1");
        leaf.writeCertChainPem(tmp.resolve("tls.crt"));
        leaf.writeKeyPem(tmp.resolve("tls.key"));
        webhook = AdmissionWebhook.start(new InetSocketAddress("127.0.0.1", 0), tmp.resolve("tls.crt"),
                tmp.resolve("tls.key"), Duration.ofMillis(200));
    }

    @AfterEach
    void stop() {
        webhook.close();
    }

    private static ObjectNode review(String uid, String operation, String kind, String objectJson) throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree("""
                {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                 "request": {"uid": "%s", "operation": "%s", "namespace": "egress", "name": "x",
                   "kind": {"group": "networking.istio.io", "version": "v1", "kind": "%s"},
                   "resource": {"group": "networking.istio.io", "version": "v1", "resource": "serviceentries"},
                   "userInfo": {"username": "kubernetes-admin"}, "dryRun": false}}
                """.formatted(uid, operation, kind));
        ((ObjectNode) review.get("request")).set("object", objectJson == null ? null : JSON.readTree(objectJson));
        return review;
    }

    private JsonNode curl(ObjectNode review) throws Exception {
        Path body = Files.writeString(tmp.resolve("review.json"), JSON.writeValueAsString(review));
        Cli.Result r = Cli.run(TIMEOUT, "curl", "-sS", "--fail-with-body", "--max-time", "15", "--cacert",
                caPem.toString(), "--resolve", "portcullis-webhook.portcullis.svc:" + webhook.address().getPort()
                        + ":127.0.0.1", "-H", "Content-Type: application/json", "--data-binary", "@" + body,
                "https://portcullis-webhook.portcullis.svc:" + webhook.address().getPort() + "/validate");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return JSON.readTree(r.stdout());
    }

    @Test
    void anInvalidServiceEntryIsRefusedWithTheResourceTheFieldAndTheReason() throws Exception {
        Cli.requireCommand("curl");
        JsonNode answer = curl(review("705ab4f5-6393-11e8-b7cc-42010a800002", "CREATE", "ServiceEntry", """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "mongo", "namespace": "egress", "uid": "0b1c", "creationTimestamp": null,
                   "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update"}]},
                 "spec": {"hosts": ["mongo.example.com"], "addresses": ["10.0.0.0/33"],
                   "ports": [{"number": 27017, "name": "mongo", "protocol": "MONGO"}],
                   "location": "MESH_EXTERNAL", "resolution": "STATIC",
                   "endpoints": [{"address": "10.0.0.1"}]}}
                """));
        assertThat(answer.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.path("kind").asText()).isEqualTo("AdmissionReview");
        JsonNode response = answer.path("response");
        assertThat(response.path("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(response.path("allowed").asBoolean(true)).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(422);
        assertThat(response.path("status").path("message").asText())
                .startsWith("ServiceEntry/egress/mongo spec.addresses[0]: \"10.0.0.0/33\"");
    }

    @Test
    void aValidObjectIsAllowedAndItsWarningsAreReturned() throws Exception {
        Cli.requireCommand("curl");
        JsonNode ok = curl(review("u-1", "UPDATE", "ServiceEntry", """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "googleapis"},
                 "spec": {"hosts": ["*.googleapis.com"], "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}],
                   "location": "MESH_EXTERNAL", "resolution": "NONE"}}
                """)).path("response");
        assertThat(ok.path("uid").asText()).isEqualTo("u-1");
        assertThat(ok.path("allowed").asBoolean()).isTrue();
        assertThat(ok.has("status")).isFalse();
        assertThat(ok.has("warnings")).isFalse();

        // A selector Portcullis does not act on: allowed, and the API server relays the warning to kubectl.
        JsonNode warned = curl(review("u-2", "CREATE", "AuthorizationPolicy", """
                {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                 "metadata": {"name": "allow-sleep", "namespace": "istio-system"},
                 "spec": {"selector": {"matchLabels": {"app": "istio-egressgateway"}}, "action": "ALLOW",
                   "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/default/sa/sleep"]}}]}]}}
                """)).path("response");
        assertThat(warned.path("allowed").asBoolean()).isTrue();
        assertThat(warned.path("warnings").get(0).asText())
                .startsWith("AuthorizationPolicy/istio-system/allow-sleep spec.selector: ");
    }

    @Test
    void metadataOfTheClusterIsNotJudgedAndAnObjectBeingDeletedIsLetGo() throws Exception {
        Cli.requireCommand("curl");
        String owned = """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "owned", "namespace": "egress", "generateName": "own-",
                   "finalizers": ["example.com/cleanup"], "selfLink": "/x",
                   "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "1"}]},
                 "spec": {"hosts": ["api.example.com"], "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}],
                   "location": "MESH_EXTERNAL", "resolution": "DNS"}}
                """;
        assertThat(curl(review("o", "CREATE", "ServiceEntry", owned)).path("response").path("allowed").asBoolean())
                .isTrue();
        // An invalid object whose finalizer a controller removes during its deletion: refusing would keep it forever.
        String deleting = """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "old", "deletionTimestamp": "2026-12-03T07:00:00Z", "finalizers": []},
                 "spec": {"hosts": ["api.example.com"], "addresses": ["10.0.0.0/33"]}}
                """;
        assertThat(curl(review("d2", "UPDATE", "ServiceEntry", deleting)).path("response").path("allowed").asBoolean())
                .isTrue();
        assertThat(curl(review("d3", "UPDATE", "ServiceEntry", deleting.replace(
                "\"deletionTimestamp\": \"2026-12-03T07:00:00Z\", ", ""))).path("response").path("allowed").asBoolean())
                .isFalse();
    }

    @Test
    void aSidecarIsValidatedAsTheGatewaysRead() throws Exception {
        Cli.requireCommand("curl");
        JsonNode bad = curl(review("sc-1", "CREATE", "Sidecar", """
                {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar",
                 "metadata": {"name": "default", "namespace": "egress"},
                 "spec": {"egress": [{"hosts": ["api.example.com"]}]}}
                """)).path("response");
        assertThat(bad.path("allowed").asBoolean(true)).isFalse();
        assertThat(bad.path("status").path("message").asText())
                .contains("Sidecar/egress/default spec.egress[0].hosts[0]", "host must be of form namespace/dnsName");
        JsonNode ok = curl(review("sc-2", "CREATE", "Sidecar", """
                {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar",
                 "metadata": {"name": "default", "namespace": "egress"},
                 "spec": {"egress": [{"hosts": ["./*", "istio-system/*"]}], "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}}
                """)).path("response");
        assertThat(ok.path("allowed").asBoolean()).as(ok.toString()).isTrue();
    }

    @Test
    void aDeleteIsAllowedAndAnotherKindIsAllowedWithAWarning() throws Exception {
        Cli.requireCommand("curl");
        assertThat(curl(review("d", "DELETE", "ServiceEntry", null)).path("response").path("allowed").asBoolean())
                .isTrue();
        JsonNode other = curl(review("s", "CREATE", "WorkloadEntry", "{\"kind\": \"WorkloadEntry\"}")).path("response");
        assertThat(other.path("allowed").asBoolean()).isTrue();
        assertThat(other.path("warnings").get(0).asText()).startsWith("Portcullis does not validate WorkloadEntry");
    }

    @Test
    void theJdkClientVerifiesTheCertificateAndAMalformedReviewIsA400() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(ca.clientSslContext()).build();
        URI uri = URI.create("https://127.0.0.1:" + webhook.address().getPort() + "/validate");
        HttpResponse<String> bad = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(
                "{\"apiVersion\": \"admission.k8s.io/v1beta1\", \"kind\": \"AdmissionReview\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview");

        HttpResponse<String> good = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(
                JSON.writeValueAsString(review("j", "CREATE", "Gateway", """
                        {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                         "metadata": {"name": "istio-egressgateway", "namespace": "istio-system"},
                         "spec": {"selector": {"istio": "egressgateway"},
                           "servers": [{"port": {"number": 443, "name": "tls", "protocol": "TLS"},
                             "hosts": ["*"], "tls": {"mode": "PASSTHROUGH"}}]}}
                        """)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(good.body()).path("response").path("allowed").asBoolean()).isTrue();
    }

    @Test
    void aRotatedCertificateIsPresentedToNewConnections() throws Exception {
        BigInteger before = presentedSerial();
        TestCa.Leaf next = ca.issueServer("portcullis-webhook.portcullis.svc", "127.0.0.1");
        // The key first, then the certificate, as a rotation that is not atomic would.
        next.writeKeyPem(tmp.resolve("tls.key"));
        next.writeCertChainPem(tmp.resolve("tls.crt"));
        FileTime later = FileTime.from(Instant.now().plusSeconds(60));
        Files.setLastModifiedTime(tmp.resolve("tls.key"), later);
        Files.setLastModifiedTime(tmp.resolve("tls.crt"), later);
        assertThat(next.certificate().getSerialNumber()).isNotEqualTo(before);
        await().atMost(Duration.ofSeconds(30)).until(() -> presentedSerial().equals(next.certificate().getSerialNumber()));
    }

    private BigInteger presentedSerial() throws Exception {
        try (SSLSocket s = (SSLSocket) ca.clientSslContext().getSocketFactory()
                .createSocket("127.0.0.1", webhook.address().getPort())) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
