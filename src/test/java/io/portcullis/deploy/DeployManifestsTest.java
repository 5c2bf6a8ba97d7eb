package io.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.portcullis.cli.Main;
import io.portcullis.testsupport.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The manifests of {@code deploy/kubernetes/}: every file parses, each kustomization lists every
 * manifest beside it, real {@code kubectl kustomize} builds them, the Deployments' arguments are
 * the CLI's real flags and their JVM memory fits the container limit, and every object applies to
 * fabric8's mock API server in CRUD mode and reads back (no real API server runs on these machines).
 */
@EnableKubernetesMockClient(crud = true)
class DeployManifestsTest {
    static final Path DEPLOY = Path.of("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    KubernetesClient client;
    KubernetesMockServer server;

    private static List<Path> manifests(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yaml"))
                    .filter(p -> !p.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
        }
    }

    private static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    @Test
    void everyManifestParsesAndEveryKustomizationListsEveryFileBesideIt() throws Exception {
        for (Path dir : List.of(DEPLOY, DEPLOY.resolve("crds"))) {
            Set<String> files = new TreeSet<>();
            for (Path file : manifests(dir)) {
                files.add(file.getFileName().toString());
                List<JsonNode> docs = documents(file);
                assertThat(docs).as(file.toString()).isNotEmpty();
                for (JsonNode doc : docs) {
                    assertThat(doc.path("apiVersion").asText()).as(file + " apiVersion").isNotEmpty();
                    assertThat(doc.path("kind").asText()).as(file + " kind").isNotEmpty();
                    assertThat(doc.path("metadata").path("name").asText()).as(file + " metadata.name").isNotEmpty();
                }
            }
            JsonNode kustomization = documents(dir.resolve("kustomization.yaml")).get(0);
            Set<String> listed = new TreeSet<>();
            kustomization.path("resources").forEach(r -> listed.add(r.asText()));
            assertThat(listed).as(dir + "/kustomization.yaml resources").isEqualTo(files);
        }
    }

    @Test
    void kubectlKustomizeBuildsBothKustomizations() throws Exception {
        Cli.requireCommand("kubectl");
        Cli.Result base = Cli.run(TIMEOUT, "kubectl", "kustomize", DEPLOY.toString());
        assertThat(base.exitCode()).as(base.toString()).isZero();
        int expected = 0;
        for (Path file : manifests(DEPLOY)) {
            expected += documents(file).size();
        }
        List<JsonNode> built = YAML.readerFor(JsonNode.class).<JsonNode>readValues(base.stdout()).readAll();
        assertThat(built).hasSize(expected);
        // Kustomize puts every namespaced object into the namespace and labels everything.
        for (JsonNode o : built) {
            assertThat(o.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText())
                    .as(o.path("kind").asText()).isEqualTo("portcullis");
        }
        Cli.Result crds = Cli.run(TIMEOUT, "kubectl", "kustomize", DEPLOY.resolve("crds").toString());
        assertThat(crds.exitCode()).as(crds.toString()).isZero();
        assertThat(YAML.readerFor(JsonNode.class).readValues(crds.stdout()).readAll()).hasSize(6);
    }

    @Test
    void everyObjectAppliesToTheMockApiServerAndReadsBack() throws Exception {
        List<HasMetadata> applied = new ArrayList<>();
        int documents = 0;
        for (Path dir : List.of(DEPLOY.resolve("crds"), DEPLOY)) {
            for (Path file : manifests(dir)) {
                documents += documents(file).size();
                try (InputStream in = Files.newInputStream(file)) {
                    for (HasMetadata item : client.load(in).items()) {
                        applied.add(client.resource(item).create());
                    }
                }
            }
        }
        assertThat(applied.size()).isEqualTo(documents);
        for (HasMetadata item : applied) {
            assertThat(client.resource(item).get()).as(item.getKind() + "/" + item.getMetadata().getName()).isNotNull();
        }
        // The CRDs make the Istio kinds servable: a ServiceEntry goes in and comes back.
        client.genericKubernetesResources("networking.istio.io/v1", "ServiceEntry").inNamespace("default")
                .resource(client.getKubernetesSerialization().unmarshal("""
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: googleapis, namespace: default}
                        spec: {hosts: ["*.googleapis.com"], ports: [{number: 443, name: https, protocol: HTTPS}]}
                        """, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
        assertThat(client.genericKubernetesResources("networking.istio.io/v1", "ServiceEntry").inNamespace("default")
                .withName("googleapis").get().getAdditionalProperties()).containsKey("spec");

        Deployment gateway = client.apps().deployments().inNamespace("portcullis").withName("portcullis").get();
        assertThat(gateway.getSpec().getReplicas()).isEqualTo(2);
        var pod = gateway.getSpec().getTemplate().getSpec();
        assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        Container c = pod.getContainers().get(0);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz/ready");
        assertThat(c.getLivenessProbe()).isNotNull();
        assertThat(gateway.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("istio", "egressgateway");
        assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getDownwardAPI().getItems().get(0).getFieldRef()
                .getFieldPath()).isEqualTo("metadata.labels"));

        ClusterRole role = client.rbac().clusterRoles().withName("portcullis").get();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getVerbs()).as(rule.toString()).doesNotContain("*", "delete", "deletecollection", "update");
            assertThat(rule.getResources()).doesNotContain("*");
        }
    }

    /**
     * The real kubectl applies both kustomizations to the mock. The mock serves no discovery, so
     * the test adds {@code /api}, {@code /apis} and the resource lists of the kinds in the files
     * (written from fabric8's model, not by hand); kubectl then GETs and POSTs each object, which
     * the CRUD mode stores. {@code --validate=false}: the mock has no OpenAPI either.
     */
    @Test
    void realKubectlAppliesBothKustomizationsToTheMock() throws Exception {
        Cli.requireCommand("kubectl");
        List<HasMetadata> items = new ArrayList<>();
        for (Path dir : List.of(DEPLOY.resolve("crds"), DEPLOY)) {
            for (Path file : manifests(dir)) {
                try (InputStream in = Files.newInputStream(file)) {
                    items.addAll(client.load(in).items());
                }
            }
        }
        serveDiscovery(items);
        Path kubeconfig = Files.writeString(Files.createTempFile("kubeconfig", ".yaml"), "");
        try {
            String[] common = {"kubectl", "--kubeconfig", kubeconfig.toString(), "--server", server.url("/"),
                    // Any token: over HTTPS without credentials kubectl would ask for a user name; the mock checks none.
                    "--insecure-skip-tls-verify", "--token", "mock", "--cache-dir", Files.createTempDirectory("kube-cache").toString()};
            Cli.Result crds = Cli.run(TIMEOUT, concat(common, "apply", "--validate=false", "-k",
                    DEPLOY.resolve("crds").toString()));
            assertThat(crds.exitCode()).as(crds.toString()).isZero();
            assertThat(crds.stdout()).contains(
                    "customresourcedefinition.apiextensions.k8s.io/serviceentries.networking.istio.io created");
            Cli.Result base = Cli.run(TIMEOUT, concat(common, "apply", "--validate=false", "-k", DEPLOY.toString()));
            assertThat(base.exitCode()).as(base.toString()).isZero();
            assertThat(base.stdout()).contains("namespace/portcullis created", "deployment.apps/portcullis created",
                    "validatingwebhookconfiguration.admissionregistration.k8s.io/portcullis created",
                    "clusterrole.rbac.authorization.k8s.io/portcullis created");
            assertThat(base.stdout().lines().filter(l -> l.endsWith(" created")).count())
                    .isEqualTo(items.size() - 6);
            Deployment d = client.apps().deployments().inNamespace("portcullis").withName("portcullis").get();
            assertThat(d.getMetadata().getAnnotations()).containsKey("kubectl.kubernetes.io/last-applied-configuration");
            assertThat(d.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "portcullis");
        } finally {
            Files.deleteIfExists(kubeconfig);
        }
    }

    private void serveDiscovery(List<HasMetadata> items) {
        java.util.Map<String, java.util.Map<String, io.fabric8.kubernetes.api.model.APIResource>> byGroupVersion =
                new java.util.TreeMap<>();
        for (HasMetadata item : items) {
            byGroupVersion.computeIfAbsent(item.getApiVersion(), v -> new java.util.TreeMap<>()).put(item.getKind(),
                    new io.fabric8.kubernetes.api.model.APIResourceBuilder().withKind(item.getKind())
                            .withName(HasMetadata.getPlural(item.getClass()))
                            .withSingularName(HasMetadata.getSingular(item.getClass()))
                            .withNamespaced(item instanceof io.fabric8.kubernetes.api.model.Namespaced)
                            .withVerbs("create", "delete", "get", "list", "patch", "update", "watch").build());
        }
        var groups = new io.fabric8.kubernetes.api.model.APIGroupListBuilder();
        byGroupVersion.forEach((gv, kinds) -> {
            var list = new io.fabric8.kubernetes.api.model.APIResourceListBuilder().withGroupVersion(gv)
                    .withResources(List.copyOf(kinds.values())).build();
            String path = gv.contains("/") ? "/apis/" + gv : "/api/" + gv;
            server.expect().get().withPath(path + "?timeout=32s").andReturn(200, list).always();
            if (gv.contains("/")) {
                String group = gv.substring(0, gv.indexOf('/'));
                var version = new io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder().withGroupVersion(gv)
                        .withVersion(gv.substring(gv.indexOf('/') + 1)).build();
                groups.addNewGroup().withName(group).withVersions(version).withPreferredVersion(version).endGroup();
            }
        });
        server.expect().get().withPath("/api?timeout=32s")
                .andReturn(200, new io.fabric8.kubernetes.api.model.APIVersionsBuilder().withVersions("v1").build())
                .always();
        server.expect().get().withPath("/apis?timeout=32s").andReturn(200, groups.build()).always();
    }

    private static String[] concat(String[] first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }

    @Test
    void theDeploymentsPassRealFlagsAndTheirHeapFitsTheMemoryLimit() throws Exception {
        for (Container c : containers()) {
            List<String> args = c.getArgs();
            CommandLine command = Main.commandLine().getSubcommands().get(args.get(0));
            assertThat(command).as("subcommand " + args.get(0)).isNotNull();
            Set<String> known = new TreeSet<>(command.getCommandSpec().optionsMap().keySet());
            List<String> unknown = args.stream().filter(a -> a.startsWith("--")).filter(a -> !known.contains(a)).toList();
            // --source arrives with the Kubernetes source (branch i13-source); every other flag exists now.
            assertThat(unknown).as(c.getName() + " args").isSubsetOf("--source");
            if (unknown.isEmpty()) {
                CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(new String[0]));
                assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(args.get(0));
            }

            String jvm = c.getEnv().stream().filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).findFirst()
                    .orElseThrow().getValue();
            long reserved = mib(jvm, "-Xmx(\\d+)m") + mib(jvm, "-XX:MaxDirectMemorySize=(\\d+)m")
                    + mib(jvm, "-XX:MaxMetaspaceSize=(\\d+)m") + mib(jvm, "-XX:ReservedCodeCacheSize=(\\d+)m");
            // Thread stacks, GC structures and BoringSSL's own allocations: 64 MiB of room at least.
            long limit = Quantity.getAmountInBytes(c.getResources().getLimits().get("memory")).longValue() >> 20;
            assertThat(reserved + 64).as(c.getName() + ": " + jvm).isLessThanOrEqualTo(limit);
            assertThat(c.getResources().getRequests().get("memory")).isEqualTo(c.getResources().getLimits().get("memory"));
        }
    }

    private List<Container> containers() throws IOException {
        List<Container> out = new ArrayList<>();
        for (String file : List.of("deployment.yaml", "webhook.yaml")) {
            try (InputStream in = Files.newInputStream(DEPLOY.resolve(file))) {
                for (HasMetadata item : client.load(in).items()) {
                    if (item instanceof Deployment d) {
                        out.addAll(d.getSpec().getTemplate().getSpec().getContainers());
                    }
                }
            }
        }
        assertThat(out).hasSize(2);
        return out;
    }

    private static long mib(String options, String regex) {
        Matcher m = Pattern.compile(regex).matcher(options);
        assertThat(m.find()).as(regex + " in " + options).isTrue();
        return Long.parseLong(m.group(1));
    }
}
