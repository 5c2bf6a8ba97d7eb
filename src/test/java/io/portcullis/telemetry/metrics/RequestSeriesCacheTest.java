package io.portcullis.telemetry.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The request series cache: one lookup per exchange for both data points, the same series
 * exported as when each exchange looked its nine labels up, and a bound on what it keeps.
 */
class RequestSeriesCacheTest {

    @Test
    void oneLabelSetIsLookedUpOnceAndExportedWithIstiosLabels() {
        GatewayMetrics metrics = new GatewayMetrics(GatewayMetrics.DEFAULT_MAX_LABEL_VALUES);
        RequestSeries.Key key = new RequestSeries.Key("books.example", "books.example", 443, null, 200, "-");
        RequestSeries.Points first = metrics.requestSeries(key);
        assertThat(metrics.requestSeries(new RequestSeries.Key("books.example", "books.example", 443, null, 200, "-")))
                .isSameAs(first);

        first.requests().inc();
        first.duration().observe(3.0);
        metrics.requestSeries(new RequestSeries.Key("unknown", "BlackHoleCluster", 0, "spiffe://td/ns/a/sa/b", 403, "UAEX"))
                .requests().inc();

        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(text).contains("istio_requests_total{connection_security_policy=\"none\",destination_port=\"443\","
                + "destination_service=\"books.example\",destination_service_name=\"books.example\",reporter=\"source\","
                + "request_protocol=\"http\",response_code=\"200\",response_flags=\"-\",source_principal=\"unknown\"} 1");
        assertThat(text).contains("istio_request_duration_milliseconds_count{connection_security_policy=\"none\","
                + "destination_port=\"443\",destination_service=\"books.example\","
                + "destination_service_name=\"books.example\",reporter=\"source\",request_protocol=\"http\","
                + "response_code=\"200\",response_flags=\"-\",source_principal=\"unknown\"} 1");
        assertThat(text).contains("istio_requests_total{connection_security_policy=\"mutual_tls\","
                + "destination_port=\"unknown\",destination_service=\"unknown\","
                + "destination_service_name=\"BlackHoleCluster\",reporter=\"source\",request_protocol=\"http\","
                + "response_code=\"403\",response_flags=\"UAEX\",source_principal=\"spiffe://td/ns/a/sa/b\"} 1");
    }

    @Test
    void aFloodOfDistinctLabelSetsStopsAtTheBoundAndIsStillCounted() {
        GatewayMetrics metrics = new GatewayMetrics(GatewayMetrics.DEFAULT_MAX_LABEL_VALUES);
        RequestSeries series = new RequestSeries(metrics);
        int flood = RequestSeries.MAX_CACHED + 500;
        for (int i = 0; i < flood; i++) {
            series.points(new RequestSeries.Key("d" + i + ".example", "d" + i + ".example", 443, null, 200, "-"))
                    .requests().inc();
        }
        assertThat(series.size()).isEqualTo(RequestSeries.MAX_CACHED);

        // Past the bound, a label set is looked up again each time: the same series, counted on.
        RequestSeries.Key last = new RequestSeries.Key("d" + (flood - 1) + ".example", "d" + (flood - 1) + ".example",
                443, null, 200, "-");
        series.points(last).requests().inc();
        assertThat(series.size()).isEqualTo(RequestSeries.MAX_CACHED);
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(text).contains("destination_service=\"d" + (flood - 1) + ".example\",destination_service_name=\"d"
                + (flood - 1) + ".example\",reporter=\"source\",request_protocol=\"http\",response_code=\"200\","
                + "response_flags=\"-\",source_principal=\"unknown\"} 2");
    }
}
