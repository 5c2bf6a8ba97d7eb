package io.portcullis.telemetry.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The per-label-set cache: one lookup per connection, the same data points for the same labels,
 * and the same series exported as when every connection looked its labels up itself (a series
 * appears when first counted, never ahead of time).
 */
class TcpSeriesCacheTest {
    private static final TcpSeries.Key DB = new TcpSeries.Key("db.example.com", "db.example.com", 5432, null, "-");

    @Test
    void oneLabelSetIsLookedUpOnceAndExportsOnlyWhatWasCounted() {
        GatewayMetrics metrics = new GatewayMetrics(GatewayMetrics.DEFAULT_MAX_LABEL_VALUES);
        TcpSeries first = metrics.tcpSeries(DB);
        assertThat(metrics.tcpSeries(new TcpSeries.Key("db.example.com", "db.example.com", 5432, null, "-")))
                .isSameAs(first);
        assertThat(metrics.openConnections("tcp_5432")).isSameAs(metrics.openConnections("tcp_5432"));

        first.opened().inc();
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(text).contains("istio_tcp_connections_opened_total{connection_security_policy=\"none\","
                + "destination_port=\"5432\",destination_service=\"db.example.com\","
                + "destination_service_name=\"db.example.com\",reporter=\"source\",response_flags=\"-\","
                + "source_principal=\"unknown\"} 1");
        assertThat(text).as("closed is exported once a connection closes, not before")
                .doesNotContain("istio_tcp_connections_closed_total{");

        TcpSeries mtls = metrics.tcpSeries(new TcpSeries.Key("unknown", "unknown", 0, "spiffe://td/ns/a/sa/b", "UF"));
        mtls.closed().inc();
        text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(text).contains("istio_tcp_connections_closed_total{connection_security_policy=\"mutual_tls\","
                + "destination_port=\"unknown\",destination_service=\"unknown\",destination_service_name=\"unknown\","
                + "reporter=\"source\",response_flags=\"UF\",source_principal=\"spiffe://td/ns/a/sa/b\"} 1");
    }
}
