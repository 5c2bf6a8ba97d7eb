package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.FreePorts;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.InJvmCli;
import io.portcullis.testsupport.KubernetesMockApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis run --source kubernetes --kubeconfig FILE} as a process of its own, against
 * the mock API server, and the command line's usage errors for the source options.
 */
class KubernetesRunCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aGatewayProcessFollowsTheApiServerItsKubeconfigNames() throws Exception {
        Cli.requireCommand("curl");
        int proxyPort = FreePorts.pick();
        int adminPort = FreePorts.pick();
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 api.example.test\n");
        try (KubernetesMockApi api = KubernetesMockApi.start(); HttpOrigin origin = new HttpOrigin("api")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process gateway = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "io.portcullis.cli.Main", "run", "--source", "kubernetes", "--kubeconfig", api.kubeconfig().toString(),
                    "--namespace", "egress", "--proxy-address", "127.0.0.1", "--proxy-port", String.valueOf(proxyPort),
                    "--admin", "127.0.0.1:" + adminPort, "--hosts-file", hosts.toString(),
                    "--allow-private", "127.0.0.0/8")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("gateway.out").toFile()).start();
            try {
                awaitReady(adminPort, gateway);
                String url = "http://api.example.test:" + origin.port() + "/";
                assertThat(curl(proxyPort, url)).isEqualTo("403");
                String entry = """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: api, namespace: %s}
                        spec:
                          hosts: [api.example.test]
                          ports: [{number: %d, name: http, protocol: HTTP}]
                          resolution: DNS
                        """;
                // Outside the watched namespace: not seen. Inside it: allowed.
                api.apply(entry.formatted("elsewhere", origin.port()));
                api.apply(entry.formatted("egress", origin.port()));
                await().atMost(TIMEOUT).until(() -> curl(proxyPort, url).equals("200"));
                api.delete("ServiceEntry", "egress", "api");
                await().atMost(TIMEOUT).until(() -> curl(proxyPort, url).equals("403"));
                assertThat(Files.readString(tmp.resolve("gateway.out")))
                        .contains("watching [serviceentries.networking.istio.io/v1")
                        .contains("in namespaces [egress]");
            } finally {
                gateway.destroy();
                if (!gateway.waitFor(15, TimeUnit.SECONDS)) {
                    gateway.destroyForcibly();
                }
            }
        }
    }

    @Test
    void sourceOptionsAreCheckedAsUsageErrors() {
        InJvmCli cli = InJvmCli.against(null);
        Cli.Result noFolder = cli.run("run");
        assertThat(noFolder.exitCode()).isEqualTo(2);
        assertThat(noFolder.stderr()).contains("--config DIR is required with --source folder");
        Cli.Result both = cli.run("run", "--source", "kubernetes", "--config", "egress");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.stderr()).contains("with --source kubernetes the resources come from the API server");
        Cli.Result unknown = cli.run("run", "--source", "consul");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("--source: 'consul' is not a source (expected: folder or kubernetes)");
        Cli.Result badNamespace = cli.run("run", "--source", "kubernetes", "--namespace", "Not_A_Name");
        assertThat(badNamespace.exitCode()).isEqualTo(2);
        assertThat(badNamespace.stderr()).contains("\"Not_A_Name\" is not a namespace name");
        Cli.Result kubeconfigWithFolder = cli.run("run", "--config", "egress", "--kubeconfig", "/k");
        assertThat(kubeconfigWithFolder.exitCode()).isEqualTo(2);
        assertThat(kubeconfigWithFolder.stderr()).contains("--kubeconfig and --namespace need --source kubernetes");
    }

    private static String curl(int proxyPort, String url) {
        return Cli.run(TIMEOUT, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-x",
                "http://127.0.0.1:" + proxyPort, url).stdout().trim();
    }

    private static void awaitReady(int adminPort, Process gateway) {
        HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthz/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(gateway.isAlive()).as("the gateway process exited").isTrue();
            try {
                return client.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }
}
