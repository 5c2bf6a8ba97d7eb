package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.Facts;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.policy.Verdict;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.testsupport.EnvoyAccessLine;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access-log writer and its two formats, without sockets. */
class AccessLogTest {
    @TempDir
    Path tmp;

    private static ConnectionLog denied(int n) {
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000 + n % 20000));
        log.request("CONNECT", "-", "HTTP/1.1", "curl/8 \"quoted\"", null, null);
        log.requested("host-" + n + ".test", 443);
        log.decided(new Verdict.Refusal(Reason.NO_SERVICE_ENTRY, "no ServiceEntry allows host-" + n + ".test:443",
                Optional.empty(), Optional.empty()));
        log.responded(403);
        return log;
    }

    @Test
    void linesWrittenFromManyThreadsWhileTheFileIsRotatedAreAllKept() throws Exception {
        Path file = tmp.resolve("access.log");
        Path rotated = tmp.resolve("access.log.1");
        int threads = 4;
        int perThread = 5_000;
        AccessLog log = AccessLog.toFile(file, AccessLogFormat.JSON);
        CountDownLatch halfway = new CountDownLatch(threads);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            Thread w = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    log.write(denied(base + i));
                    if (i == perThread / 2) {
                        halfway.countDown();
                    }
                }
            });
            writers.add(w);
            w.start();
        }
        halfway.await();
        Files.move(file, rotated);
        log.reopen();
        for (Thread w : writers) {
            w.join();
        }
        log.close();

        List<String> lines = new ArrayList<>(Files.readAllLines(rotated));
        List<String> after = Files.readAllLines(file);
        assertThat(after).as("lines after the reopen go to the new file").isNotEmpty();
        lines.addAll(after);
        assertThat(lines).hasSize(threads * perThread);
        ObjectMapper json = new ObjectMapper();
        Set<String> authorities = new HashSet<>();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            assertThat(n.get("reason").asText()).isEqualTo("no_service_entry");
            authorities.add(n.get("authority").asText());
        }
        assertThat(authorities).hasSize(threads * perThread);
    }

    /** Task 08 in a sidecar: the mesh tls route's VirtualService and the gateway subset's cluster, as Istio names them. */
    @Test
    void aSidecarsMeshRouteNamesItsVirtualServiceAndTheRoutedCluster() throws Exception {
        LoadResult loaded = FolderLoader.fromFiles(Map.of("08.yaml",
                Files.readString(Path.of("examples/istio-tasks/08-egress-gateway-https.yaml"))));
        assertThat(loaded.errors()).isEmpty();
        EgressPolicy policy = EgressPolicy.compile(loaded.resources(), OutboundPolicy.REGISTRY_ONLY);
        ConnectionLog log = new ConnectionLog("capture_15001", new InetSocketAddress("10.0.0.2", 40000));
        log.decided(Admission.admit(policy, Facts.of(ListenerKind.SIDECAR_CAPTURE, 443)
                .originalDestination(new InetSocketAddress("203.0.113.7", 443)).sni("edition.cnn.example.test").build()));
        ConnectionRecord record = log.close();
        EnvoyAccessLine text = EnvoyAccessLine.parse(AccessLogFormat.TEXT.format(record));
        assertThat(text.get("upstream_cluster"))
                .isEqualTo("outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local");
        assertThat(text.get("route_name")).isEqualTo("VirtualService/default/direct-cnn-through-egress-gateway");
        assertThat(AccessLogFormat.LOGFMT.format(record))
                .contains(" resource=ServiceEntry/default/cnn route=VirtualService/default/direct-cnn-through-egress-gateway ");
        // As Istio's sidecar labels it: by the cluster it went to (the gateway's service and port), not by the
        // external host the app named, which the gateway's own line and metrics name.
        assertThat(record.destination().service()).isEqualTo("istio-egressgateway.istio-system.svc.cluster.local");
        assertThat(record.destination().port()).isEqualTo(443);
    }

    @Test
    void theTextFormatHasEnvoysFieldsAndKeepsClientTextFromSplittingThem() {
        ConnectionLog log = denied(7);
        log.serverName("evil name\"with spaces");
        String line = AccessLogFormat.TEXT.format(log.close());
        EnvoyAccessLine parsed = EnvoyAccessLine.parse(line);
        assertThat(parsed.get("method")).isEqualTo("CONNECT");
        assertThat(parsed.get("response_code")).isEqualTo("403");
        assertThat(parsed.get("response_flags")).isEqualTo("NR");
        assertThat(parsed.get("response_code_details")).isEqualTo("no_service_entry");
        assertThat(parsed.get("user_agent")).isEqualTo("curl/8 'quoted'");
        assertThat(parsed.get("authority")).isEqualTo("host-7.test:443");
        assertThat(parsed.get("requested_server_name")).isEqualTo("evil?name?with?spaces");
        assertThat(parsed.get("upstream_cluster")).isEqualTo("BlackHoleCluster");
        assertThat(parsed.get("route_name")).isEqualTo("block_all");
        assertThat(parsed.get("source_principal")).isEqualTo("-");
        assertThat(parsed.get("message")).isEqualTo("no ServiceEntry allows host-7.test:443");
        assertThat(parsed.get("start_time")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    }

    @Test
    void theJsonFormatCarriesTheSameRecord() throws Exception {
        ConnectionLog log = denied(8);
        log.sourcePrincipal("spiffe://cluster.local/ns/shop/sa/web");
        JsonNode n = new ObjectMapper().readTree(AccessLogFormat.JSON.format(log.close()));
        assertThat(n.get("response_code").asInt()).isEqualTo(403);
        assertThat(n.get("response_flags").asText()).isEqualTo("NR");
        assertThat(n.get("response_code_details").asText()).isEqualTo("no_service_entry");
        assertThat(n.get("decision").asText()).isEqualTo("denied");
        assertThat(n.get("listener").asText()).isEqualTo("proxy_3128");
        assertThat(n.get("source_principal").asText()).isEqualTo("spiffe://cluster.local/ns/shop/sa/web");
        assertThat(n.get("upstream_host").isNull()).isTrue();
        assertThat(n.get("user_agent").asText()).isEqualTo("curl/8 \"quoted\"");
    }

    @Test
    void aConnectionIsLoggedOnce() throws Exception {
        Path file = tmp.resolve("once.log");
        AccessLog access = AccessLog.toFile(file);
        ConnectionLog log = denied(9);
        access.write(log);
        access.write(log);
        access.close();
        assertThat(Files.readAllLines(file)).hasSize(1);
    }
}
