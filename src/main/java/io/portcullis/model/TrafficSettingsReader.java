package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.model.DestinationRule.ConnectionPool;
import io.portcullis.model.DestinationRule.OutlierDetection;
import io.portcullis.model.DestinationRule.TcpKeepalive;
import io.portcullis.model.DestinationRule.Tunnel;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the traffic-policy settings Portcullis acts on ({@code tunnel}, and the enforced part of
 * {@code connectionPool}) once {@link TrafficTuningCheck} has checked their values, and warns, naming
 * the field, about each part it accepts without acting on.
 */
final class TrafficSettingsReader {
    private TrafficSettingsReader() {
    }

    /** {@code tunnel} of a whole traffic policy; empty when absent. */
    static Optional<Tunnel> tunnel(Node policy) {
        JsonNode t = policy.raw("tunnel");
        if (t == null) {
            return Optional.empty();
        }
        String protocol = text(t, "protocol", "").isEmpty() ? "CONNECT" : text(t, "protocol", "");
        if (protocol.equals("POST")) {
            policy.findings().warning(policy.fieldPath("tunnel") + ".protocol", "accepted but not acted on by"
                    + " Portcullis (it tunnels with CONNECT only): connections to this host fail until it says CONNECT");
        }
        return Optional.of(new Tunnel(protocol, HostSyntax.lower(text(t, "targetHost", "")),
                (int) field(t, "targetPort").asLong(0)));
    }

    /** {@code connectionPool} of a traffic policy or a port's; empty when absent. */
    static Optional<ConnectionPool> connectionPool(Node policy) {
        JsonNode pool = policy.raw("connectionPool");
        if (pool == null || !pool.isObject()) {
            return Optional.empty();
        }
        String path = policy.fieldPath("connectionPool");
        Findings findings = policy.findings();
        JsonNode tcp = field(pool, "tcp");
        JsonNode http = field(pool, "http");
        notActedOn(findings, tcp, path + ".tcp", "maxConnectionDuration", "connections last as long as their clients");
        notActedOn(findings, tcp, path + ".tcp", "idleTimeout", "the gateway's --idle-timeout closes idle tunnels");
        notActedOn(findings, http, path + ".http", "http2MaxRequests", "Portcullis speaks HTTP/1.1 upstream");
        notActedOn(findings, http, path + ".http", "maxConcurrentStreams", "Portcullis speaks HTTP/1.1 upstream");
        notActedOn(findings, http, path + ".http", "http2KeepAlive", "Portcullis speaks HTTP/1.1 upstream");
        notActedOn(findings, http, path + ".http", "h2UpgradePolicy", "Portcullis speaks HTTP/1.1 upstream");
        notActedOn(findings, http, path + ".http", "useClientProtocol", "Portcullis speaks HTTP/1.1 upstream");
        notActedOn(findings, http, path + ".http", "maxRetries", "Portcullis does not retry");
        JsonNode keepalive = field(tcp, "tcpKeepalive");
        Optional<TcpKeepalive> tcpKeepalive = keepalive.isObject()
                ? Optional.of(new TcpKeepalive(count(keepalive, "probes"), duration(keepalive, "time"),
                        duration(keepalive, "interval")))
                : Optional.empty();
        return Optional.of(new ConnectionPool(count(tcp, "maxConnections"), duration(tcp, "connectTimeout"),
                tcpKeepalive, count(http, "http1MaxPendingRequests"), count(http, "maxRequestsPerConnection"),
                duration(http, "idleTimeout")));
    }

    /** {@code outlierDetection} of a traffic policy or a port's; empty when absent. */
    static Optional<OutlierDetection> outlierDetection(Node policy) {
        JsonNode od = policy.raw("outlierDetection");
        if (od == null || !od.isObject()) {
            return Optional.empty();
        }
        String path = policy.fieldPath("outlierDetection");
        Findings findings = policy.findings();
        String local = "connect failures and resets always count as 5xx and gateway errors, as with"
                + " splitExternalLocalOriginErrors: false";
        notActedOn(findings, od, path, "minHealthPercent", "outlier detection stays on however few endpoints are healthy");
        notActedOn(findings, od, path, "splitExternalLocalOriginErrors", local);
        notActedOn(findings, od, path, "consecutiveLocalOriginFailures", local);
        OptionalInt gateway = count(od, "consecutiveGatewayErrors");
        // Istio: consecutive5xxErrors unset leaves Envoy's default, 5; 0 turns that detector off.
        JsonNode fiveSet = field(od, "consecutive5xxErrors");
        OptionalInt any = fiveSet.isMissingNode() || fiveSet.isNull() ? OptionalInt.of(5) : count(od, "consecutive5xxErrors");
        OptionalInt legacy = count(od, "consecutiveErrors");
        if (legacy.isPresent()) {
            // Istio maps the deprecated field to gateway errors alone (istio/api#617), whatever else is set.
            gateway = legacy;
            any = OptionalInt.empty();
        }
        if (gateway.isEmpty() && any.isEmpty()) {
            return Optional.empty();
        }
        Duration base = duration(od, "baseEjectionTime").orElse(Duration.ofSeconds(30));
        int percent = field(od, "maxEjectionPercent").isMissingNode() ? 10 : (int) field(od, "maxEjectionPercent").asLong(10);
        // interval: how fast an endpoint's ejection count decays (an ejection itself ends when its time has passed).
        Duration interval = duration(od, "interval").orElse(OutlierDetection.DEFAULT_INTERVAL);
        return Optional.of(new OutlierDetection(any, gateway, base, percent, interval));
    }

    private static void notActedOn(Findings findings, JsonNode parent, String path, String name, String why) {
        if (!field(parent, name).isMissingNode() && !field(parent, name).isNull()) {
            findings.warning(path + "." + name, "accepted but not acted on by Portcullis (" + why + ")");
        }
    }

    /**
     * A positive count; zero and absent both mean "no limit", as in Istio's API (an unset
     * {@code uint32}/{@code int32} reads as zero, which Envoy treats as its default).
     */
    private static OptionalInt count(JsonNode parent, String name) {
        JsonNode v = field(parent, name);
        long n = v.isNumber() || v.isTextual() ? v.asLong(0) : 0;
        return n > 0 ? OptionalInt.of((int) Math.min(n, Integer.MAX_VALUE)) : OptionalInt.empty();
    }

    private static Optional<Duration> duration(JsonNode parent, String name) {
        JsonNode v = field(parent, name);
        return v.isTextual() ? IstioDuration.parse(v.asText()).filter(d -> d.toMillis() > 0) : Optional.empty();
    }

    private static String text(JsonNode parent, String name, String otherwise) {
        JsonNode v = field(parent, name);
        return v.isValueNode() ? v.asText() : otherwise;
    }

    /** The field under its camelCase or snake_case name (protobuf JSON accepts both), else a missing node. */
    private static JsonNode field(JsonNode parent, String name) {
        if (parent == null || !parent.isObject()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        JsonNode v = parent.get(name);
        return v != null ? v : parent.path(Node.snakeCase(name));
    }
}
