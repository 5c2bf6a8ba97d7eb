package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 11: {@code --hosts-file} is read again when it changes, like the configuration
 * folder: a name added to it later is answered from it (it was read once, at start, and the name
 * went to DNS). Every address of a name, in file order: {@code UpstreamResolverTest}.
 */
class HostsFileReloadEndToEndTest {
    private static final Duration CURL = Duration.ofSeconds(20);

    @Test
    void aNameAddedToTheHostsFileLaterIsReached() throws Exception {
        Cli.requireCommand("curl");
        try (HttpOrigin origin = new HttpOrigin("late");
             RunningGateway g = RunningGateway.start()) {
            g.apply("late.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: late}
                    spec:
                      hosts: [late.hosts.test]
                      ports: [{number: %d, name: http, protocol: HTTP}]
                      resolution: DNS
                    """.formatted(origin.port()));
            Files.writeString(g.hostsFile, "127.0.0.1 late.hosts.test\n", StandardOpenOption.APPEND);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Cli.Result r = Cli.run(CURL, "curl", "-sS", "--max-time", "10", "-x", g.proxyUrl(),
                        origin.url("late.hosts.test"));
                assertThat(r.stdout()).isEqualTo(origin.body());
            });
            assertThat(origin.requestCount()).isPositive();
        }
    }
}
