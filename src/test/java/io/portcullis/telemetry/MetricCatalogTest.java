package io.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.telemetry.metrics.MetricCatalog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The catalog is what is exported, and what the README documents. */
class MetricCatalogTest {
    @Test
    void everyCatalogMetricIsExportedWithItsHelp() {
        GatewayMetrics metrics = new GatewayMetrics(10);
        // Touch the labelled ones so they have a series to show.
        metrics.connectionOpened("tcp_1").closed(new ConnectionLog("tcp_1", null).close());
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        for (MetricCatalog m : MetricCatalog.values()) {
            assertThat(m.metricName()).matches("(istio|portcullis)_[a-z_]+");
            assertThat(m.unit()).isNotBlank();
            if (m.labels().isEmpty()) {
                assertThat(text).as(m.metricName()).contains("# TYPE " + m.metricName() + " " + m.type().name().toLowerCase());
            }
        }
        assertThat(text).contains("istio_tcp_connections_closed_total{connection_security_policy=\"none\"");
    }

    @Test
    void theReadmeDocumentsEveryMetric() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (MetricCatalog m : MetricCatalog.values()) {
            assertThat(readme).as("README.md names " + m.metricName()).contains("`" + m.metricName());
        }
    }
}
