package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portcullis.testsupport.Cli;
import io.portcullis.admin.AdminTls;
import io.portcullis.testsupport.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl binary against the standalone admin API: discovery, get (table, {@code -A},
 * {@code -o yaml}), client-side apply (create, then a merge patch with the last-applied
 * annotation), create, replace, delete -f, edit with {@code EDITOR} set to a script, a refusal
 * with Portcullis's message, and {@code --token} on a token-protected gateway. Each kubectl run has
 * an empty kubeconfig and its own discovery cache, so nothing of the user's kubectl leaks in.
 */
class KubectlAdminApiEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: googleapis
            spec:
              hosts: ["*.googleapis.com"]
              ports:
              - {number: 443, name: https, protocol: HTTPS}
              location: MESH_EXTERNAL
              resolution: NONE
            """;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void kubectl() {
        assumeTrue(Cli.findCommand("kubectl").isPresent(),
                "kubectl is not installed (scripts/install-test-deps installs Debian's kubernetes-client)");
    }

    private static Cli.Result kubectl(RunningGateway g, String editor, String... args) throws Exception {
        return kubectlAt(g.adminUrl(), editor, args);
    }

    private static Cli.Result kubectlAt(String server, String editor, String... args) throws Exception {
        Path kubeconfig = tmp.resolve("kubeconfig-empty");
        if (!Files.exists(kubeconfig)) {
            Files.createFile(kubeconfig);
        }
        List<String> argv = new ArrayList<>(List.of("env", "KUBECONFIG=" + kubeconfig));
        if (editor != null) {
            argv.add("KUBE_EDITOR=" + editor);
        }
        argv.addAll(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", Files.createTempDirectory(tmp, "kube-cache").toString(), "--server", server));
        argv.addAll(Arrays.asList(args));
        return Cli.run(TIMEOUT, argv.toArray(new String[0]));
    }

    private static Cli.Result ok(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void getApplyCreateReplaceEditAndDeleteWithTheRealKubectl() throws Exception {
        Path se = Files.writeString(tmp.resolve("se.yaml"), SE);
        try (RunningGateway g = RunningGateway.start()) {
            Cli.Result empty = ok(kubectl(g, null, "get", "serviceentries", "-A"));
            assertThat(empty.stderr()).contains("No resources found");
            assertThat(empty.stderr()).doesNotContain("couldn't get current server API group list");

            // Client-side apply of a new object: GET (404), then POST with the last-applied annotation.
            assertThat(ok(kubectl(g, null, "apply", "-f", se.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis created\n");
            assertThat(g.gateway.policy().resources().serviceEntries()).extracting(e -> e.id().name())
                    .containsExactly("googleapis");
            Cli.Result table = ok(kubectl(g, null, "get", "se", "-A"));
            assertThat(table.stdout()).startsWith("NAMESPACE   NAME         AGE\ndefault     googleapis   ");
            String yaml = ok(kubectl(g, null, "get", "se", "googleapis", "-o", "yaml")).stdout();
            assertThat(yaml).contains("kind: ServiceEntry", "name: googleapis", "namespace: default",
                    "kubectl.kubernetes.io/last-applied-configuration", "resolution: NONE", "resourceVersion: ");

            // Apply of a change: a merge patch computed from the last-applied annotation.
            Path changed = Files.writeString(tmp.resolve("se-8443.yaml"), SE.replace("number: 443", "number: 8443"));
            assertThat(ok(kubectl(g, null, "apply", "-f", changed.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis configured\n");
            assertThat(ok(kubectl(g, null, "get", "se", "googleapis", "-o", "jsonpath={.spec.ports[0].number}"))
                    .stdout()).isEqualTo("8443");
            assertThat(ok(kubectl(g, null, "apply", "-f", changed.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis unchanged\n");

            // A change the validator refuses: nothing is written, and kubectl prints why.
            Path invalid = Files.writeString(tmp.resolve("se-dns.yaml"), SE.replace("NONE", "DNS"));
            Cli.Result refused = kubectl(g, null, "apply", "-f", invalid.toString());
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.stderr()).contains("ServiceEntry/default/googleapis spec.hosts[0]: wildcard host"
                    + " \"*.googleapis.com\" needs endpoints with resolution DNS");
            assertThat(ok(kubectl(g, null, "get", "se", "googleapis", "-o", "jsonpath={.spec.resolution}")).stdout())
                    .isEqualTo("NONE");

            assertThat(ok(kubectl(g, null, "delete", "-f", changed.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io \"googleapis\" deleted\n");
            Cli.Result gone = kubectl(g, null, "get", "se", "googleapis");
            assertThat(gone.exitCode()).isNotZero();
            assertThat(gone.stderr()).contains("NotFound");
            assertThat(g.gateway.policy().resources().serviceEntries()).isEmpty();

            assertThat(ok(kubectl(g, null, "create", "-f", se.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis created\n");
            assertThat(ok(kubectl(g, null, "replace", "-f", changed.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis replaced\n");

            // kubectl edit: GET, the editor changes the file, then a merge patch of the difference.
            Path editor = Files.writeString(tmp.resolve("editor.sh"),
                    "#!/bin/sh\nsed -i 's/resolution: NONE/resolution: DYNAMIC_DNS/' \"$1\"\n");
            Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
            assertThat(ok(kubectl(g, editor.toString(), "edit", "se", "googleapis")).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis edited\n");
            assertThat(g.gateway.policy().resources().serviceEntries().get(0).resolution().name())
                    .isEqualTo("DYNAMIC_DNS");

            // Every kind of an Istio article in one file, listed together.
            ok(kubectl(g, null, "apply", "-f", "examples/articles/09-mongo-tls-via-egress-gateway-passthrough.yaml"));
            assertThat(ok(kubectl(g, null, "get", "gw,vs,dr", "-o", "name")).stdout()).isEqualTo("""
                    gateway.networking.istio.io/istio-egressgateway
                    virtualservice.networking.istio.io/direct-mongo-through-egress-gateway
                    destinationrule.networking.istio.io/egressgateway-for-mongo
                    """);
            // A selector is refused rather than ignored: delete -l must not delete everything.
            Cli.Result selected = kubectl(g, null, "delete", "gw,vs,dr", "-l", "app=none");
            assertThat(selected.exitCode()).isNotZero();
            assertThat(selected.stderr()).contains("labelSelector and fieldSelector are not supported");
            assertThat(g.gateway.policy().resources().gateways()).hasSize(1);
            assertThat(ok(kubectl(g, null, "api-resources", "--api-group", "networking.istio.io", "-o", "name"))
                    .stdout()).contains("serviceentries.networking.istio.io", "gateways.networking.istio.io");
        }
    }

    /**
     * kubectl sends a bearer token only over TLS (it leaves {@code --token} out over plain HTTP), so
     * the token-protected admin API serves HTTPS ({@code --admin-tls-cert}/{@code --admin-tls-key})
     * and kubectl verifies it with {@code --certificate-authority}.
     */
    @Test
    void aTokenProtectedAdminApiOverHttpsTakesKubectlsToken() throws Exception {
        String token = "tok-" + java.util.UUID.randomUUID();
        Path tokenFile = Files.writeString(tmp.resolve("token"), token + "\n");
        Path se = Files.writeString(tmp.resolve("se-token.yaml"), SE);
        TestCa ca = TestCa.create("admin api ca");
        Path caPem = ca.writeCaPem(tmp.resolve("admin-ca.pem"));
        TestCa.Leaf leaf = ca.issueServer("127.0.0.1");
        AdminTls tls = new AdminTls(leaf.writeCertChainPem(tmp.resolve("admin.crt")), leaf.writeKeyPem(tmp.resolve("admin.key")));
        try (RunningGateway g = RunningGateway.start(RunningGateway.Options.defaults().withAdminTls(tls, tokenFile))) {
            String server = g.adminHttpsUrl();
            String trust = "--certificate-authority=" + caPem;
            // Without any credentials kubectl asks for a user name on stdin (empty here) and gives up.
            Cli.Result without = kubectlAt(server, null, trust, "get", "se");
            assertThat(without.exitCode()).isNotZero();
            Cli.Result wrong = kubectlAt(server, null, trust, "--token", "not-" + token, "get", "se");
            assertThat(wrong.exitCode()).isNotZero();
            assertThat(wrong.stderr()).contains("Forbidden");
            assertThat(ok(kubectlAt(server, null, trust, "--token", token, "apply", "-f", se.toString())).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis created\n");
            assertThat(ok(kubectlAt(server, null, trust, "--token", token, "get", "se", "-o", "name")).stdout())
                    .isEqualTo("serviceentry.networking.istio.io/googleapis\n");
            // An unknown CA is refused by kubectl before any token leaves.
            Cli.Result untrusted = kubectlAt(server, null, "--token", token, "get", "se");
            assertThat(untrusted.exitCode()).isNotZero();
            assertThat(untrusted.stderr()).contains("certificate signed by unknown authority");
        }
    }
}
