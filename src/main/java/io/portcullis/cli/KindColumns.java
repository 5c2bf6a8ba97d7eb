package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.AddressText;
import io.portcullis.model.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The columns {@code get} shows per kind: Istio's CRD printer columns (ServiceEntry:
 * {@code HOSTS LOCATION RESOLUTION}; VirtualService: {@code GATEWAYS HOSTS}; DestinationRule:
 * {@code HOST}; AuthorizationPolicy: {@code ACTION}), then AGE; {@code -o wide} adds Portcullis's
 * own (ports, addresses, servers, subsets…). Arrays print as kubectl prints them: {@code ["a","b"]}.
 */
final class KindColumns {
    /** A column: its header and how a cell is read from the resource. */
    record Column(String header, Function<JsonNode, String> cell) {}

    private KindColumns() {
    }

    static List<Column> of(ResourceKind kind, boolean wide) {
        List<Column> c = new ArrayList<>();
        c.add(new Column("NAME", o -> o.path("metadata").path("name").asText()));
        switch (kind) {
            case SERVICE_ENTRY -> {
                c.add(new Column("HOSTS", o -> array(o.at("/spec/hosts"))));
                c.add(new Column("LOCATION", o -> text(o.at("/spec/location"))));
                c.add(new Column("RESOLUTION", o -> text(o.at("/spec/resolution"))));
                if (wide) {
                    c.add(new Column("PORTS", o -> join(o.at("/spec/ports"),
                            p -> p.path("number").asText() + "/" + p.path("protocol").asText())));
                    c.add(new Column("ADDRESSES", o -> array(o.at("/spec/addresses"))));
                }
            }
            case VIRTUAL_SERVICE -> {
                c.add(new Column("GATEWAYS", o -> array(o.at("/spec/gateways"))));
                c.add(new Column("HOSTS", o -> array(o.at("/spec/hosts"))));
                if (wide) {
                    c.add(new Column("DESTINATIONS", KindColumns::destinations));
                }
            }
            case DESTINATION_RULE -> {
                c.add(new Column("HOST", o -> text(o.at("/spec/host"))));
                if (wide) {
                    c.add(new Column("TLS", o -> text(o.at("/spec/trafficPolicy/tls/mode"))));
                    c.add(new Column("SUBSETS", o -> join(o.at("/spec/subsets"), s -> s.path("name").asText())));
                }
            }
            case GATEWAY -> {
                if (wide) {
                    c.add(new Column("SERVERS", o -> join(o.at("/spec/servers"), s -> s.at("/port/number").asText()
                            + "/" + s.at("/port/protocol").asText()
                            + (s.at("/tls/mode").isMissingNode() ? "" : ":" + s.at("/tls/mode").asText()))));
                }
            }
            case AUTHORIZATION_POLICY -> c.add(new Column("ACTION", o -> text(o.at("/spec/action"))));
            case EGRESS_RULE -> {
                c.add(new Column("SERVICE", o -> text(o.at("/spec/destination/service"))));
                c.add(new Column("PORTS", o -> join(o.at("/spec/ports"),
                        p -> p.path("port").asText() + "/" + p.path("protocol").asText())));
            }
            case ENVOY_FILTER -> {
                if (wide) {
                    c.add(new Column("FILTERS", o -> join(o.at("/spec/filters"), f -> f.path("filterName").asText())));
                }
            }
            default -> {
                // NAME and AGE only.
            }
        }
        return c;
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "" : n.asText();
    }

    /** A JSON array compactly, {@code ["a","b"]}, as kubectl prints a printer column that is a list. */
    private static String array(JsonNode n) {
        return n.isArray() ? n.toString() : text(n);
    }

    private static String join(JsonNode list, Function<JsonNode, String> each) {
        List<String> parts = new ArrayList<>();
        list.forEach(e -> parts.add(each.apply(e)));
        return parts.stream().collect(Collectors.joining(","));
    }

    private static String destinations(JsonNode o) {
        List<String> hosts = new ArrayList<>();
        for (String section : List.of("tls", "tcp", "http")) {
            for (JsonNode route : o.path("spec").path(section)) {
                for (JsonNode d : route.path("route")) {
                    String h = d.at("/destination/host").asText();
                    JsonNode port = d.at("/destination/port/number");
                    String hp = port.isMissingNode() ? h : AddressText.hostPort(h, port.asInt());
                    if (!hosts.contains(hp)) {
                        hosts.add(hp);
                    }
                }
            }
        }
        return String.join(",", hosts);
    }
}
