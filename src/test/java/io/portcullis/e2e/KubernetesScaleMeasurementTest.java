package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.portcullis.sources.kubernetes.KubernetesSettings;
import io.portcullis.testsupport.KubernetesMockApi;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's Kubernetes numbers, measured, not asserted: time to ready and heap with 10,000
 * ServiceEntries in the (mock) API server, and the time from a create to a new snapshot on two
 * replicas that each hold them. Not part of the normal run (it creates 10,000 objects):
 * {@code mvn test -Dtest=KubernetesScaleMeasurementTest -Dportcullis.measure=true}.
 */
class KubernetesScaleMeasurementTest {
    private static final int ENTRIES = Integer.getInteger("portcullis.measure.entries", 10_000);

    @Test
    void readinessAndHeapWithTenThousandServiceEntries() throws Exception {
        assumeTrue(Boolean.getBoolean("portcullis.measure"), "a measurement: run with -Dportcullis.measure=true");
        try (KubernetesMockApi api = KubernetesMockApi.start()) {
            long seeding = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            for (int i = 0; i < ENTRIES; i++) {
                int n = i;
                pool.execute(() -> api.client().genericKubernetesResources(KubernetesMockApi.context("ServiceEntry"))
                        .inNamespace("ns-" + (n % 20)).resource(entry(n)).create());
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.MINUTES)).isTrue();
            System.out.printf("MEASURE seeded %d ServiceEntries in %d ms%n", ENTRIES, ms(seeding));

            long heapBefore = usedHeapAfterGc();
            long start = System.nanoTime();
            try (RunningGateway a = RunningGateway.startKubernetes(settings(api, "a"))) {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(10))
                        .until(() -> a.gateway.kubernetes().orElseThrow().synced());
                long ready = ms(start);
                assertThat(a.gateway.policy().resources().serviceEntries()).hasSize(ENTRIES);
                long heapWith = usedHeapAfterGc();
                System.out.printf("MEASURE %d ServiceEntries: start -> ready (first full sync applied) %d ms; heap"
                        + " held by the gateway after GC %d MiB%n", ENTRIES, ready, (heapWith - heapBefore) >> 20);

                try (RunningGateway b = RunningGateway.startKubernetes(settings(api, "b"))) {
                    await().atMost(Duration.ofMinutes(5)).until(() -> b.gateway.kubernetes().orElseThrow().synced());
                    for (int round = 0; round < 5; round++) {
                        long before = Math.min(a.gateway.generation(), b.gateway.generation());
                        long created = System.nanoTime();
                        api.client().genericKubernetesResources(KubernetesMockApi.context("ServiceEntry"))
                                .inNamespace("default").resource(entry(ENTRIES + round)).create();
                        for (RunningGateway g : List.of(a, b)) {
                            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(1))
                                    .until(() -> g.gateway.generation() > before);
                        }
                        System.out.printf("MEASURE with %d entries: create on the API -> new snapshot on both"
                                + " replicas %d ms%n", ENTRIES + round, ms(created));
                    }
                }
            }
        }
    }

    private static KubernetesSettings settings(KubernetesMockApi api, String id) {
        return KubernetesSettings.of(Optional.of(api.kubeconfig()), List.of()).withIdentity(id);
    }

    private static GenericKubernetesResource entry(int n) {
        return Serialization.unmarshal("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: se-%1$d}
                spec:
                  hosts: [api-%1$d.example.test]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  resolution: DNS
                """.formatted(n), GenericKubernetesResource.class);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
