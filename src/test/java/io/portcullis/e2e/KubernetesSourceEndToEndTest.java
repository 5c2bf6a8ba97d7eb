package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.portcullis.sources.kubernetes.KubernetesSettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.HttpsOrigin;
import io.portcullis.testsupport.KubernetesMockApi;
import io.portcullis.testsupport.TestCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --source kubernetes} end to end: gateways in this JVM, each with the kubeconfig of
 * one fabric8 mock API server (CRUD mode: it serves lists, watches, status and discovery), and
 * real curl through them. Times are printed, never asserted.
 */
class KubernetesSourceEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;

    private KubernetesMockApi api;
    private HttpOrigin origin;

    @BeforeAll
    static void tools() {
        Cli.requireCommand("curl");
    }

    @BeforeEach
    void start() {
        api = KubernetesMockApi.start();
        origin = new HttpOrigin("api");
    }

    @AfterEach
    void stop() {
        origin.close();
        api.close();
    }

    private KubernetesSettings settings(String identity) {
        return KubernetesSettings.of(Optional.of(api.kubeconfig()), List.of()).withIdentity(identity)
                .withLeaseDuration(Duration.ofSeconds(3));
    }

    private RunningGateway replica(String identity, String... hosts) throws Exception {
        RunningGateway g = RunningGateway.startKubernetes(settings(identity), hosts);
        await().atMost(WAIT).until(() -> g.gateway.kubernetes().orElseThrow().synced());
        return g;
    }

    private static String serviceEntry(String name, String host, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: [%s]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(name, host, port);
    }

    private static String status(RunningGateway g, String url) {
        Cli.Result r = Cli.run(CURL, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                "-x", g.proxyUrl(), url);
        return r.stdout().trim();
    }

    /** Waits until every replica answers {@code code} for {@code url}; returns the milliseconds it took from {@code since}. */
    private static long awaitAll(List<RunningGateway> replicas, String url, String code, long since) {
        for (RunningGateway g : replicas) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> status(g, url).equals(code));
        }
        return (System.nanoTime() - since) / 1_000_000;
    }

    /** Polls the replicas' applied generation (in this JVM, so without curl's start-up cost). */
    private static long awaitSnapshot(List<RunningGateway> replicas, long before, long since) {
        for (RunningGateway g : replicas) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> g.gateway.generation() > before);
        }
        return (System.nanoTime() - since) / 1_000_000;
    }

    /**
     * The Sidecar kind is read from the API server too: the root namespace's Sidecar is the mesh
     * default, and a gateway without a mesh identity scopes its explicit-proxy callers to it.
     */
    @Test
    void aRootSidecarFromTheApiServerOpensAllowAnyAndItsDeletionClosesIt() throws Exception {
        String url = "http://api.example.test:" + origin.port() + "/";
        try (RunningGateway g = replica("replica-a", "api.example.test")) {
            assertThat(status(g, url)).isEqualTo("403");
            long before = g.gateway.generation();
            api.apply("""
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: default, namespace: istio-system}
                    spec:
                      outboundTrafficPolicy: {mode: ALLOW_ANY}
                    """);
            await().atMost(WAIT).until(() -> g.gateway.generation() > before);
            assertThat(g.gateway.policy().resources().sidecars()).singleElement()
                    .satisfies(s -> assertThat(s.id()).hasToString("Sidecar/istio-system/default"));
            awaitAll(List.of(g), url, "200", System.nanoTime());
            api.delete("Sidecar", "istio-system", "default");
            awaitAll(List.of(g), url, "403", System.nanoTime());
        }
    }

    @Test
    void serviceEntryCreatedThroughTheApiAllowsOnBothReplicasAndItsDeletionDeniesAgain() throws Exception {
        String url = "http://api.example.test:" + origin.port() + "/";
        try (RunningGateway a = replica("replica-a", "api.example.test");
             RunningGateway b = replica("replica-b", "api.example.test")) {
            assertThat(status(a, url)).isEqualTo("403");
            assertThat(status(b, url)).isEqualTo("403");
            assertThat(a.gateway.kubernetes().orElseThrow().watchedResources()).contains(
                    "serviceentries.networking.istio.io/v1", "authorizationpolicies.security.istio.io/v1beta1",
                    "sidecars.networking.istio.io/v1");

            long before = Math.min(a.gateway.generation(), b.gateway.generation());
            long created = System.nanoTime();
            api.apply(serviceEntry("api", "api.example.test", origin.port()));
            long compiled = awaitSnapshot(List.of(a, b), before, created);
            long allowed = awaitAll(List.of(a, b), url, "200", created);
            System.out.println("MEASURE create on the API -> new snapshot in force on both replicas: " + compiled
                    + " ms; -> 200 from curl on both (one curl process per poll): " + allowed + " ms");

            long deleted = System.nanoTime();
            api.delete("ServiceEntry", "default", "api");
            long denied = awaitAll(List.of(a, b), url, "403", deleted);
            System.out.println("MEASURE delete on the API -> 403 on both replicas (curl polling): " + denied + " ms");
        }
    }

    @Test
    void anInvalidResourceGetsItsStatusAndAnEventWhileAValidOneBesideItApplies() throws Exception {
        String url = "http://api.example.test:" + origin.port() + "/";
        try (RunningGateway a = replica("replica-a", "api.example.test");
             RunningGateway b = replica("replica-b", "api.example.test")) {
            api.apply("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: bad, namespace: default}
                    spec:
                      hosts: [db.example.test]
                      addresses: [10.0.0.0/33]
                      ports: [{number: 5432, name: tcp, protocol: TCP}]
                      resolution: STATIC
                    """);
            api.apply(serviceEntry("good", "api.example.test", origin.port()));
            awaitAll(List.of(a, b), url, "200", System.nanoTime());

            await().atMost(WAIT).untilAsserted(() -> {
                GenericKubernetesResource bad = api.get("ServiceEntry", "default", "bad");
                Map<String, Object> status = bad.get("status");
                assertThat(status).isNotNull();
                List<Map<String, Object>> messages = bad.get("status", "validationMessages");
                assertThat(messages).singleElement().satisfies(m -> {
                    assertThat(m).containsEntry("level", "ERROR");
                    assertThat(m.get("type")).asInstanceOf(InstanceOfAssertFactories.MAP).containsEntry("code", "IST0106");
                });
                List<Map<String, Object>> conditions = bad.get("status", "conditions");
                assertThat(conditions).singleElement().satisfies(c -> {
                    assertThat(c).containsEntry("type", "Accepted").containsEntry("status", "False");
                    assertThat((String) c.get("message")).contains("spec.addresses[0]").contains("10.0.0.0/33");
                });
            });
            await().atMost(WAIT).untilAsserted(() -> {
                List<Event> events = api.client().v1().events().inNamespace("default").list().getItems().stream()
                        .filter(e -> e.getInvolvedObject().getName().equals("bad")).toList();
                assertThat(events).singleElement().satisfies(e -> {
                    assertThat(e.getReason()).isEqualTo("Rejected");
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getInvolvedObject().getKind()).isEqualTo("ServiceEntry");
                    assertThat(e.getMessage()).contains("spec.addresses[0]");
                });
            });
            // The good one beside it carries no status; every replica counts the rejected one.
            assertThat(api.get("ServiceEntry", "default", "good").<Object>get("status")).isNull();
            for (RunningGateway g : List.of(a, b)) {
                await().atMost(WAIT).until(() -> g.scrape().sum("portcullis_config_rejected_resources",
                        "kind", "ServiceEntry") == 1.0);
            }

            // Fixed through the API: applied, and its status cleared by the leader.
            api.apply("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: bad, namespace: default}
                    spec:
                      hosts: [db.example.test]
                      addresses: [10.0.0.0/24]
                      ports: [{number: 5432, name: tcp, protocol: TCP}]
                      resolution: STATIC
                      endpoints: [{address: 10.0.0.7}]
                    """);
            await().atMost(WAIT).untilAsserted(() -> {
                GenericKubernetesResource fixed = api.get("ServiceEntry", "default", "bad");
                assertThat(fixed.<Object>get("status", "conditions")).isNull();
            });
            for (RunningGateway g : List.of(a, b)) {
                await().atMost(WAIT).until(() -> g.scrape().sum("portcullis_config_rejected_resources",
                        "kind", "ServiceEntry") == 0.0);
            }
        }
    }

    @Test
    void readinessComesWithEveryObjectOfTheFirstListInForce() throws Exception {
        int entries = 300;
        for (int i = 0; i < entries; i++) {
            api.apply(serviceEntry("se-" + i, "api-" + i + ".example.test", 443));
        }
        try (RunningGateway g = RunningGateway.startKubernetes(settings("replica-a"))) {
            var source = g.gateway.kubernetes().orElseThrow();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(source::synced);
            // Ready means the whole first list is in force, not the part whose notifications have arrived.
            assertThat(g.gateway.policy().resources().serviceEntries()).hasSize(entries);
        }
    }

    @Test
    void whenTheLeaderStopsTheOtherReplicaTakesTheLeaseAndWritesStatus() throws Exception {
        RunningGateway a = replica("replica-a");
        RunningGateway b = replica("replica-b");
        List<RunningGateway> open = new java.util.ArrayList<>(List.of(a, b));
        try {
            var sa = a.gateway.kubernetes().orElseThrow();
            var sb = b.gateway.kubernetes().orElseThrow();
            await().atMost(WAIT).until(() -> sa.isLeader() || sb.isLeader());
            assertThat(sa.isLeader() && sb.isLeader()).isFalse();
            RunningGateway leader = sa.isLeader() ? a : b;
            RunningGateway other = leader == a ? b : a;
            leader.close();
            open.remove(leader);
            var survivor = other.gateway.kubernetes().orElseThrow();
            await().atMost(WAIT).until(survivor::isLeader);

            api.apply("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: late, namespace: default}
                    spec:
                      hosts: ["not a host"]
                      ports: [{number: 443, name: tls, protocol: TLS}]
                    """);
            await().atMost(WAIT).untilAsserted(() -> {
                List<Map<String, Object>> conditions = api.get("ServiceEntry", "default", "late").get("status", "conditions");
                assertThat(conditions).singleElement()
                        .satisfies(c -> assertThat((String) c.get("message")).contains("spec.hosts[0]"));
            });
        } finally {
            for (RunningGateway g : open) {
                g.close();
            }
        }
    }

    @Test
    void aSecretNamedByCredentialNameDrivesMutualTlsOriginationAndItsRotationIsPickedUp() throws Exception {
        TestCa ca = TestCa.create("origin ca");
        TestCa stranger = TestCa.create("a ca the origin does not trust");
        try (HttpsOrigin mutual = new HttpsOrigin("mutual", ca.nettyServer(ca.issueServer("mutual.example.test"))
                .clientAuth(ClientAuth.REQUIRE).build());
             RunningGateway g = replica("replica-a", "mutual.example.test")) {
            String url = "http://mutual.example.test:" + mutual.port() + "/";
            api.client().secrets().inNamespace("default").resource(tlsSecret(ca, ca.issueClient("spiffe://t/one"))).create();
            api.apply(serviceEntry("mutual", "mutual.example.test", mutual.port()));
            api.apply("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: mutual, namespace: default}
                    spec:
                      host: mutual.example.test
                      trafficPolicy:
                        tls: {mode: MUTUAL, credentialName: origin-client}
                    """);
            awaitAll(List.of(g), url, "200", System.nanoTime());

            // Rotated to a certificate the origin refuses: new requests carry it and fail.
            long rotated = System.nanoTime();
            api.client().secrets().inNamespace("default").resource(tlsSecret(ca, stranger.issueClient("spiffe://t/x")))
                    .update();
            long refused = awaitAll(List.of(g), url, "502", rotated);
            // Rotated again, to a new certificate from the origin's CA: accepted.
            api.client().secrets().inNamespace("default").resource(tlsSecret(ca, ca.issueClient("spiffe://t/two")))
                    .update();
            awaitAll(List.of(g), url, "200", System.nanoTime());
            System.out.println("MEASURE Secret rotation -> new client certificate in use: " + refused + " ms");
            assertThat(g.accessLines()).noneMatch(l -> l.contains("PRIVATE KEY"));
        }
    }

    /** A kubernetes.io/tls Secret with the client's certificate and key, and the CA that verifies the origin. */
    private static Secret tlsSecret(TestCa ca, TestCa.Leaf client) throws Exception {
        String cert = Files.readString(client.writeCertChainPem(Files.createTempFile(tmp, "c", ".pem")));
        String key = Files.readString(client.writeKeyPem(Files.createTempFile(tmp, "k", ".pem")));
        String caPem = Files.readString(ca.writeCaPem(Files.createTempFile(tmp, "ca", ".pem")));
        return new SecretBuilder().withNewMetadata().withName("origin-client").withNamespace("default").endMetadata()
                .withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", b64(cert), "tls.key", b64(key), "ca.crt", b64(caPem))).build();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void anApiServerThatGoesAwayLeavesTrafficFlowingAndChangesMadeMeanwhileArriveAfterTheResync() throws Exception {
        String url = "http://api.example.test:" + origin.port() + "/";
        try (HttpOrigin other = new HttpOrigin("other");
             RunningGateway a = replica("replica-a", "api.example.test", "other.example.test");
             RunningGateway b = replica("replica-b", "api.example.test", "other.example.test")) {
            String otherUrl = "http://other.example.test:" + other.port() + "/";
            api.apply(serviceEntry("api", "api.example.test", origin.port()));
            awaitAll(List.of(a, b), url, "200", System.nanoTime());

            api.stop();
            // Gone: the last configuration stays in force, and the replicas stay ready.
            for (int i = 0; i < 3; i++) {
                assertThat(status(a, url)).isEqualTo("200");
                assertThat(status(b, url)).isEqualTo("200");
                Thread.sleep(300);
            }
            assertThat(ready(a)).isEqualTo(200);
            assertThat(ready(b)).isEqualTo(200);
            assertThat(status(a, otherUrl)).isEqualTo("403");

            // Back, on the same port. The CRUD mock starts empty: the objects the cluster holds are created
            // again, plus the change made while the replicas could not see it.
            long back = System.nanoTime();
            api = api.restart();
            api.apply(serviceEntry("api", "api.example.test", origin.port()));
            api.apply(serviceEntry("other", "other.example.test", other.port()));
            long arrived = awaitAll(List.of(a, b), otherUrl, "200", back);
            System.out.println("MEASURE API server back -> change made meanwhile in force on both: " + arrived + " ms");
            assertThat(status(a, url)).isEqualTo("200");
        }
    }

    @Test
    void aForbiddenListIsAClearErrorThatNamesVerbAndResourceAndTheReplicaStaysUnready() throws Exception {
        api.server().expect().get().withPath("/apis/networking.istio.io/v1/serviceentries?resourceVersion=0")
                .andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("serviceentries.networking.istio.io is forbidden: User \"system:serviceaccount:"
                                + "egress:portcullis\" cannot list resource \"serviceentries\" in API group"
                                + " \"networking.istio.io\" at the cluster scope").build())
                .always();
        try (RunningGateway g = RunningGateway.startKubernetes(settings("replica-a"), "api.example.test")) {
            var source = g.gateway.kubernetes().orElseThrow();
            await().atMost(WAIT).until(() -> !source.problems().isEmpty());
            assertThat(source.problems()).singleElement().asString()
                    .startsWith("403 Forbidden: the API server refused to list, watch serviceentries.networking.istio.io"
                            + " in all namespaces")
                    .contains("grant this gateway's ServiceAccount the verbs [list, watch]")
                    .contains("cannot list resource");
            assertThat(source.synced()).isFalse();
            assertThat(ready(g)).isEqualTo(503);
        }
    }

    @Test
    void aSecretItMayNotReadIsNamedAsSuchAndDoesNotHoldReadinessBack() throws Exception {
        api.server().expect().get()
                .withPath("/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Dorigin-client&resourceVersion=0")
                .andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("secrets is forbidden").build())
                .always();
        api.apply(serviceEntry("api", "api.example.test", origin.port()));
        api.apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: mutual, namespace: default}
                spec:
                  host: mutual.example.test
                  trafficPolicy:
                    tls: {mode: MUTUAL, credentialName: origin-client}
                """);
        try (RunningGateway g = RunningGateway.startKubernetes(settings("replica-a"), "api.example.test")) {
            var source = g.gateway.kubernetes().orElseThrow();
            await().atMost(WAIT).until(source::synced);
            assertThat(ready(g)).isEqualTo(200);
            assertThat(status(g, "http://api.example.test:" + origin.port() + "/")).isEqualTo("200");
            await().atMost(WAIT).untilAsserted(() -> assertThat(source.problems()).singleElement().asString()
                    .startsWith("403 Forbidden: the API server refused to list, watch secrets named origin-client in"
                            + " namespace default; grant this gateway's ServiceAccount the verbs [list, watch] on secrets"));
        }
    }

    private static int ready(RunningGateway g) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(g.adminUrl() + "/healthz/ready")).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
