package io.portcullis.testsupport;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's Kubernetes mock API server in CRUD mode (it stores what is created and serves lists,
 * watches, status subresources and discovery for the CRDs created in it) on a loopback port, with
 * a kubeconfig file for the gateways under test and a client for the test itself. It is the
 * stand-in for a real API server, which cannot run on these machines: see the README's
 * "Kubernetes source" section for what it does not cover. Its state lives in memory: a
 * {@link #restart()} starts an empty server on the same port.
 */
public final class KubernetesMockApi implements AutoCloseable {
    public static final String NETWORKING = "networking.istio.io";
    public static final String SECURITY = "security.istio.io";
    /** The mock logs every request at INFO through java.util.logging; held here so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final Path kubeconfig;

    // The mock server's Context wants a Jackson mapper; fabric8's shared one is deprecated with no drop-in successor.
    @SuppressWarnings("deprecation")
    private KubernetesMockApi(int port, Path kubeconfig) {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        this.server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        this.kubeconfig = kubeconfig;
        writeKubeconfig();
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace("default")
                .withTrustCerts(true).withRequestRetryBackoffLimit(0).build();
        this.client = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }

    /** A new, empty API server on a free port, with the Istio CRDs installed. */
    public static KubernetesMockApi start() {
        try {
            KubernetesMockApi api = new KubernetesMockApi(0, Files.createTempFile("portcullis-kubeconfig", ".yaml"));
            api.installIstioCrds();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops this server and starts an empty one on the same port, with the same kubeconfig and the
     * CRDs installed again: what a client sees of an API server that went away and came back. The
     * CRUD mock keeps no state across this, so callers re-create the objects that should exist.
     */
    public KubernetesMockApi restart() {
        int port = server.getPort();
        stop();
        KubernetesMockApi api = new KubernetesMockApi(port, kubeconfig);
        api.installIstioCrds();
        return api;
    }

    /** Stops serving (connections are refused) without deleting the kubeconfig: the API server "went away". */
    public void stop() {
        client.close();
        server.shutdown();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    public int port() {
        return server.getPort();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public KubernetesClient client() {
        return client;
    }

    public KubernetesMockServer server() {
        return server;
    }

    /**
     * The six Istio CRDs with a status subresource: the networking kinds (and Sidecar) serve v1 (with v1beta1
     * and v1alpha3 also declared, as Istio's CRDs do), AuthorizationPolicy only v1beta1, so the
     * gateway's discovery has a kind whose newest served version is not v1.
     */
    public void installIstioCrds() {
        for (String[] k : new String[][] {{"ServiceEntry", "serviceentries"}, {"Gateway", "gateways"},
                {"VirtualService", "virtualservices"}, {"DestinationRule", "destinationrules"}, {"Sidecar", "sidecars"}}) {
            crd(NETWORKING, k[0], k[1], List.of("v1", "v1beta1", "v1alpha3"), "v1");
        }
        crd(SECURITY, "AuthorizationPolicy", "authorizationpolicies", List.of("v1beta1"), "v1beta1");
    }

    private void crd(String group, String kind, String plural, List<String> versions, String storage) {
        List<CustomResourceDefinitionVersion> vs = new ArrayList<>();
        for (String v : versions) {
            vs.add(new CustomResourceDefinitionVersionBuilder().withName(v).withServed(true)
                    .withStorage(v.equals(storage)).withNewSubresources().withNewStatus().endStatus().endSubresources()
                    .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                    .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema().build());
        }
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + group).endMetadata()
                .withNewSpec().withGroup(group).withScope("Namespaced")
                .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase()).endNames()
                .withVersions(vs).endSpec().build();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }

    /** The resource interface of an Istio kind at the version its CRD stores. */
    public static ResourceDefinitionContext context(String kind) {
        return switch (kind) {
            case "ServiceEntry" -> networking(kind, "serviceentries");
            case "Gateway" -> networking(kind, "gateways");
            case "VirtualService" -> networking(kind, "virtualservices");
            case "DestinationRule" -> networking(kind, "destinationrules");
            case "Sidecar" -> networking(kind, "sidecars");
            case "AuthorizationPolicy" -> new ResourceDefinitionContext.Builder().withGroup(SECURITY)
                    .withVersion("v1beta1").withKind(kind).withPlural("authorizationpolicies").withNamespaced(true)
                    .build();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static ResourceDefinitionContext networking(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(NETWORKING).withVersion("v1").withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /** Creates (or replaces) an Istio object from YAML, as {@code kubectl apply} would; returns it as stored. */
    public GenericKubernetesResource apply(String yaml) {
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        if (r.getMetadata().getNamespace() == null) {
            r.getMetadata().setNamespace("default");
        }
        return client.genericKubernetesResources(context(r.getKind())).inNamespace(r.getMetadata().getNamespace())
                .resource(r).createOr(existing -> existing.update());
    }

    public void delete(String kind, String namespace, String name) {
        client.genericKubernetesResources(context(kind)).inNamespace(namespace).withName(name).delete();
    }

    public GenericKubernetesResource get(String kind, String namespace, String name) {
        return client.genericKubernetesResources(context(kind)).inNamespace(namespace).withName(name).get();
    }

    private void writeKubeconfig() {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s"}
                users:
                - name: test
                  user: {token: "mock-token"}
                contexts:
                - name: mock
                  context: {cluster: mock, user: test, namespace: default}
                current-context: mock
                """.formatted(url());
        try {
            Files.writeString(kubeconfig, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Files.deleteIfExists(kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
