package io.portcullis.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;

/**
 * Istio's value rules for the traffic-policy settings Portcullis accepts without acting on them
 * ({@code connectionPool}, {@code outlierDetection}, {@code loadBalancer}, {@code tunnel},
 * {@code proxyProtocol}): a value Istio refuses is refused here too, so a file that passes here
 * also passes Istio.
 */
final class TrafficTuningCheck {
    private static final long MAGLEV_TABLE_LIMIT = 5_000_011L;

    private final Findings findings;

    private TrafficTuningCheck(Findings findings) {
        this.findings = findings;
    }

    /** Checks the tuning fields of a traffic policy (or a port-level one). */
    static void check(Node policy) {
        TrafficTuningCheck c = new TrafficTuningCheck(policy.findings());
        JsonNode pool = policy.raw("connectionPool");
        JsonNode outlier = policy.raw("outlierDetection");
        JsonNode lb = policy.raw("loadBalancer");
        if (pool != null) {
            c.connectionPool(pool, policy.fieldPath("connectionPool"));
        }
        if (outlier != null) {
            c.outlierDetection(outlier, policy.fieldPath("outlierDetection"));
        }
        if (lb != null) {
            c.loadBalancer(lb, policy.fieldPath("loadBalancer"));
        }
    }

    /** Checks a {@code connectionPool} that stands alone (a Sidecar's {@code inboundConnectionPool}, an ingress listener's). */
    static void checkConnectionPool(Node owner, String field) {
        JsonNode pool = owner.raw(field);
        if (pool != null) {
            new TrafficTuningCheck(owner.findings()).connectionPool(pool, owner.fieldPath(field));
        }
    }

    /** Checks {@code tunnel} and {@code proxyProtocol}, which only a whole traffic policy has. */
    static void checkTunnel(Node policy) {
        TrafficTuningCheck c = new TrafficTuningCheck(policy.findings());
        JsonNode tunnel = policy.raw("tunnel");
        JsonNode proxyProtocol = policy.raw("proxyProtocol");
        if (tunnel != null && proxyProtocol != null) {
            policy.errorHere("tunnel and proxyProtocol cannot be set together");
        }
        if (tunnel != null) {
            String path = policy.fieldPath("tunnel");
            String protocol = tunnel.path("protocol").asText("");
            if (!protocol.isEmpty() && !protocol.equals("CONNECT") && !protocol.equals("POST")) {
                c.findings.error(path + ".protocol", "\"" + protocol + "\" is not a tunnel protocol (expected CONNECT"
                        + " or POST)");
            }
            String host = tunnel.path("targetHost").asText("");
            if (HostSyntax.hostProblem(HostSyntax.lower(host), false) != null && !HostSyntax.isIpLiteral(host)) {
                c.findings.error(path + ".targetHost", "\"" + host + "\" is not a host name or IP address");
            }
            long port = tunnel.path("targetPort").asLong(0);
            if (port < 1 || port > 65535) {
                c.findings.error(path + ".targetPort", port + " is out of range (expected: 1-65535)");
            }
        }
        if (proxyProtocol != null) {
            long version = proxyProtocol.path("version").isTextual()
                    ? ("V1".equals(proxyProtocol.path("version").asText()) ? 0
                            : "V2".equals(proxyProtocol.path("version").asText()) ? 1 : -1)
                    : proxyProtocol.path("version").asLong(0);
            if (version != 0 && version != 1) {
                c.findings.error(policy.fieldPath("proxyProtocol") + ".version", "expected V1 or V2");
            }
        }
    }

    private void connectionPool(JsonNode pool, String path) {
        JsonNode http = pool.get("http");
        JsonNode tcp = pool.get("tcp");
        if (isAbsent(http) && isAbsent(tcp)) {
            findings.error(path, "a connection pool needs tcp or http settings");
            return;
        }
        if (!isAbsent(http)) {
            String h = path + ".http";
            for (String f : new String[] {"http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection",
                    "maxRetries", "maxConcurrentStreams"}) {
                nonNegative(http, f, h);
            }
            duration(http, "idleTimeout", h);
            if ("UPGRADE".equals(http.path("h2UpgradePolicy").asText()) && http.path("useClientProtocol").asBoolean()) {
                findings.error(h + ".useClientProtocol", "cannot be true with h2UpgradePolicy UPGRADE");
            }
            JsonNode keepAlive = http.get("http2KeepAlive");
            if (!isAbsent(keepAlive)) {
                for (String f : new String[] {"interval", "timeout"}) {
                    if (isAbsent(keepAlive.get(f))) {
                        findings.error(h + ".http2KeepAlive." + f, "required");
                    } else {
                        duration(keepAlive, f, h + ".http2KeepAlive");
                    }
                }
            }
        }
        if (!isAbsent(tcp)) {
            String t = path + ".tcp";
            nonNegative(tcp, "maxConnections", t);
            duration(tcp, "connectTimeout", t);
            duration(tcp, "maxConnectionDuration", t);
            JsonNode idle = tcp.get("idleTimeout");
            // Zero turns the idle timeout off, which Istio allows.
            if (!isAbsent(idle) && !IstioDuration.parse(idle.asText()).map(d -> d.toMillis() == 0).orElse(false)) {
                duration(tcp, "idleTimeout", t);
            }
            JsonNode keepalive = tcp.get("tcpKeepalive");
            if (!isAbsent(keepalive)) {
                duration(keepalive, "time", t + ".tcpKeepalive");
                duration(keepalive, "interval", t + ".tcpKeepalive");
            }
        }
    }

    private void outlierDetection(JsonNode outlier, String path) {
        duration(outlier, "baseEjectionTime", path);
        duration(outlier, "interval", path);
        percent(outlier, "maxEjectionPercent", path);
        percent(outlier, "minHealthPercent", path);
        JsonNode localOrigin = outlier.get("consecutiveLocalOriginFailures");
        if (!isAbsent(localOrigin) && localOrigin.asLong() > 0
                && !outlier.path("splitExternalLocalOriginErrors").asBoolean()) {
            findings.error(path + ".consecutiveLocalOriginFailures",
                    "needs splitExternalLocalOriginErrors: true (local-origin failures are counted apart only then)");
        }
        if (outlier.path("consecutiveErrors").asLong() != 0) {
            findings.warning(path + ".consecutiveErrors",
                    "deprecated by Istio: use consecutiveGatewayErrors or consecutive5xxErrors");
        }
    }

    private void loadBalancer(JsonNode lb, String path) {
        JsonNode hash = lb.get("consistentHash");
        if (!isAbsent(hash)) {
            String h = path + ".consistentHash";
            JsonNode cookie = hash.get("httpCookie");
            if (!isAbsent(cookie)) {
                if (cookie.path("name").asText("").isEmpty()) {
                    findings.error(h + ".httpCookie.name", "required");
                }
                Set<String> names = new HashSet<>();
                JsonNode attributes = cookie.path("attributes");
                for (int i = 0; i < attributes.size(); i++) {
                    String name = attributes.get(i).path("name").asText("");
                    String at = h + ".httpCookie.attributes[" + i + "].name";
                    if (name.isEmpty()) {
                        findings.error(at, "required");
                    } else if (!names.add(name)) {
                        findings.error(at, "cookie attribute \"" + name + "\" is given twice");
                    }
                }
            }
            boolean algorithm = !isAbsent(hash.get("maglev")) || !isAbsent(hash.get("ringHash"));
            if (hash.path("minimumRingSize").asLong() != 0 && algorithm) {
                findings.error(h + ".minimumRingSize", "cannot be combined with maglev or ringHash");
            }
            JsonNode maglev = hash.get("maglev");
            if (!isAbsent(maglev)) {
                long size = maglev.path("tableSize").asLong(0);
                if (size == 0) {
                    findings.error(h + ".maglev.tableSize", "required");
                } else if (size >= MAGLEV_TABLE_LIMIT) {
                    findings.error(h + ".maglev.tableSize", "must be less than " + MAGLEV_TABLE_LIMIT);
                } else if (!isPrime(size)) {
                    findings.error(h + ".maglev.tableSize", size + " is not a prime number");
                }
            }
        }
        if (!isAbsent(lb.get("localityLbSetting")) && !isAbsent(lb.get("zoneAwareLbSetting"))) {
            findings.error(path, "only one of localityLbSetting and zoneAwareLbSetting can be set");
        }
        JsonNode warmup = lb.get("warmup");
        if (!isAbsent(warmup)) {
            if (isAbsent(warmup.get("duration"))) {
                findings.error(path + ".warmup.duration", "required");
            } else {
                duration(warmup, "duration", path + ".warmup");
            }
            if (warmup.path("minimumPercent").asDouble(0) > 100 || warmup.path("minimumPercent").asDouble(0) < 0) {
                findings.error(path + ".warmup.minimumPercent", "must be between 0 and 100");
            }
            if (!isAbsent(warmup.get("aggression")) && warmup.get("aggression").asDouble() <= 0) {
                findings.error(path + ".warmup.aggression", "must be greater than 0");
            }
        }
    }

    private void nonNegative(JsonNode parent, String field, String path) {
        JsonNode v = parent.get(field);
        if (!isAbsent(v) && v.asLong(0) < 0) {
            findings.error(path + "." + field, v.asText() + " is negative (expected: 0 or more)");
        }
    }

    private void percent(JsonNode parent, String field, String path) {
        JsonNode v = parent.get(field);
        if (!isAbsent(v) && (v.asLong(0) < 0 || v.asLong(0) > 100)) {
            findings.error(path + "." + field, v.asText() + " is not a percentage (expected: 0-100)");
        }
    }

    private void duration(JsonNode parent, String field, String path) {
        JsonNode v = parent.get(field);
        if (isAbsent(v)) {
            return;
        }
        String problem = IstioDuration.millisecondProblem(v.asText());
        if (problem != null) {
            findings.error(path + "." + field, problem);
        }
    }

    private static boolean isAbsent(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode();
    }

    private static boolean isPrime(long x) {
        if (x < 2) {
            return false;
        }
        for (long f = 2; f * f <= x; f++) {
            if (x % f == 0) {
                return false;
            }
        }
        return true;
    }
}
