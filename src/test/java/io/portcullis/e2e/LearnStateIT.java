package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.testsupport.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway keeps what it learned across a restart: a refused destination is in the
 * state file beside the configuration folder after SIGTERM, and suggested again by the next
 * process before it sees any traffic.
 */
class LearnStateIT {
    private static final Pattern PROXY = Pattern.compile("explicit proxy on \\S+:(\\d+) ");

    private static int proxyPort(GatewayProcess g) throws Exception {
        Matcher m = PROXY.matcher(g.output());
        assertThat(m.find()).as(g.output()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void learnedDestinationsSurviveARestart(@TempDir Path tmp) throws Exception {
        Cli.requireCommand("curl");
        Path config = Files.createDirectories(tmp.resolve("egress"));
        Path state = tmp.resolve("portcullis-state").resolve("egress-learned.json");
        try (GatewayProcess g = GatewayProcess.start(config, tmp)) {
            Cli.Result refused = Cli.run(Duration.ofSeconds(30), "curl", "-sS", "-o", "/dev/null", "-w",
                    "%{http_connect}", "-x", "http://127.0.0.1:" + proxyPort(g), "https://api.learned.example.com/");
            assertThat(refused.stdout()).isEqualTo("403");
            await().atMost(Duration.ofSeconds(30)).until(() -> GatewayProcess.cli(null, "suggest", "--server", g.url())
                    .stdout().contains("api.learned.example.com"));
            assertThat(g.stop()).as("SIGTERM stops it cleanly").isIn(0, 143);
        }
        assertThat(Files.readString(state)).contains("\"destination\":\"api.learned.example.com\"");
        assertThat(Files.list(state.getParent())).hasSize(1);
        try (GatewayProcess again = GatewayProcess.start(config, tmp)) {
            Cli.Result suggested = GatewayProcess.cli(null, "suggest", "--server", again.url());
            assertThat(suggested.stdout()).contains("hosts: [\"api.learned.example.com\"]",
                    "# 1 connection(s), 1 refused");
        }
    }
}
