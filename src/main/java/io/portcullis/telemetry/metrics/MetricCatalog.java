package io.portcullis.telemetry.metrics;

import java.util.List;

/**
 * Every metric Portcullis exports, in one place, with its type, unit and labels: the names on
 * {@code /stats/prometheus} are exactly these. Where Istio has a standard metric its name and
 * labels are used unchanged, so Istio's Grafana dashboards read an egress gateway made of
 * Portcullis as they read Istio's; what Istio lacks is named {@code portcullis_*}.
 *
 * <p>Label values that clients choose (undeclared destinations, Mongo commands and collections,
 * Redis commands) pass through a {@link LabelBudget}, so a scan of random names cannot grow the
 * number of series without bound.
 */
public enum MetricCatalog {
    TCP_CONNECTIONS_OPENED("istio_tcp_connections_opened_total", Type.COUNTER, "connections",
            "Client connections accepted and decided (denied ones go to BlackHoleCluster).", Labels.ISTIO_TCP),
    TCP_CONNECTIONS_CLOSED("istio_tcp_connections_closed_total", Type.COUNTER, "connections",
            "Client connections closed, with their final response flags.", Labels.ISTIO_TCP),
    TCP_SENT_BYTES("istio_tcp_sent_bytes_total", Type.COUNTER, "bytes",
            "Bytes sent to clients (the response direction).", Labels.ISTIO_TCP),
    TCP_RECEIVED_BYTES("istio_tcp_received_bytes_total", Type.COUNTER, "bytes",
            "Bytes received from clients (the request direction).", Labels.ISTIO_TCP),
    REQUESTS("istio_requests_total", Type.COUNTER, "requests",
            "HTTP exchanges on the explicit proxy: CONNECT answers and forwarded requests.", Labels.ISTIO_HTTP),
    REQUEST_DURATION("istio_request_duration_milliseconds", Type.HISTOGRAM, "milliseconds",
            "Time from an HTTP request head to the end of its response.", Labels.ISTIO_HTTP),

    DENIED_CONNECTIONS("portcullis_denied_connections_total", Type.COUNTER, "connections",
            "Connections refused by policy or inspection, by reason code.", List.of("reason", "destination")),
    UPSTREAM_FAILURES("portcullis_upstream_failures_total", Type.COUNTER, "connections",
            "Allowed connections whose upstream could not be reached (dns_failure, upstream_connect_failure).",
            List.of("reason", "destination")),
    OPEN_CONNECTIONS("portcullis_open_connections", Type.GAUGE, "connections",
            "Client connections open now, by listener.", List.of("listener")),
    HANDSHAKE_DURATION("portcullis_handshake_duration_seconds", Type.HISTOGRAM, "seconds",
            "Connection set-up by phase: dns (name lookup), tcp_connect (upstream connect), "
                    + "downstream (accept until bytes flow: inspection, decision, lookup and connect).",
            List.of("phase")),
    CONFIG_RELOADS("portcullis_config_reloads_total", Type.COUNTER, "configurations",
            "Configurations applied (the first load included).", List.of()),
    CONFIG_REJECTIONS("portcullis_config_rejections_total", Type.COUNTER, "configurations",
            "Configurations rejected whole because they did not validate; the previous one stayed in force.",
            List.of()),
    REJECTED_RESOURCES("portcullis_config_rejected_resources", Type.GAUGE, "resources",
            "Resources skipped alone because they did not validate (Kubernetes source), by kind.", List.of("kind")),
    DNS_LOOKUPS("portcullis_dns_lookups_total", Type.COUNTER, "lookups",
            "Upstream name lookups (answered from cache, hosts file or name servers).", List.of()),
    DNS_FAILURES("portcullis_dns_failures_total", Type.COUNTER, "lookups",
            "Upstream name lookups that gave no address.", List.of()),
    ACCEPT_FAILURES("portcullis_accept_failures_total", Type.COUNTER, "connections",
            "Failed accepts on the gateway's listeners, by cause: fd_limit (the open-file limit, RLIMIT_NOFILE,"
                    + " or the system's file table) or other; accepting pauses briefly after each.",
            List.of("cause")),
    AUTHZ_DRY_RUN("portcullis_authz_dry_run_total", Type.COUNTER, "decisions",
            "What istio.io/dry-run AuthorizationPolicies would have decided (Envoy's shadow rules), by the policy"
                    + " that decided ('-' when several ALLOW policies all missed) and result: allowed or denied.",
            List.of("policy", "result")),
    OUTLIER_EJECTIONS("portcullis_outlier_ejections_total", Type.COUNTER, "ejections",
            "Endpoints ejected by a DestinationRule's outlierDetection, by destination (host:port), endpoint and"
                    + " detector: consecutive_5xx or consecutive_gateway_errors.",
            List.of("destination", "endpoint", "detector")),
    LABEL_OVERFLOWS("portcullis_label_overflows_total", Type.COUNTER, "values",
            "Label values counted as 'other' because the label had reached its distinct-value budget.",
            List.of("label")),

    MONGO_OPERATIONS("portcullis_mongo_operations_total", Type.COUNTER, "operations",
            "MongoDB operations sent by clients on MONGO ports, by command and collection.",
            List.of("command", "collection")),
    MONGO_REPLIES("portcullis_mongo_replies_total", Type.COUNTER, "replies",
            "MongoDB replies, by the command they answer.", List.of("command")),
    MONGO_ERRORS("portcullis_mongo_errors_total", Type.COUNTER, "replies",
            "MongoDB replies reporting a failure (ok: 0, write errors, $err, QueryFailure).", List.of("command")),
    MYSQL_LOGIN_ATTEMPTS("portcullis_mysql_login_attempts_total", Type.COUNTER, "logins",
            "MySQL logins attempted (HandshakeResponse or COM_CHANGE_USER) on MYSQL ports.", List.of()),
    MYSQL_LOGIN_FAILURES("portcullis_mysql_login_failures_total", Type.COUNTER, "logins",
            "MySQL logins the server refused.", List.of()),
    MYSQL_TLS_UPGRADES("portcullis_mysql_tls_upgrades_total", Type.COUNTER, "connections",
            "MySQL connections upgraded to TLS (SSLRequest); not parsed further.", List.of()),
    MYSQL_COMMANDS("portcullis_mysql_commands_total", Type.COUNTER, "commands",
            "MySQL command packets, by command (query, stmt_prepare, ping…).", List.of("command")),
    MYSQL_QUERIES("portcullis_mysql_queries_total", Type.COUNTER, "queries",
            "MySQL COM_QUERY statements by kind: select, insert, update, delete, other.", List.of("kind")),
    MYSQL_ERRORS("portcullis_mysql_errors_total", Type.COUNTER, "replies",
            "MySQL ERR packets sent by the server after login.", List.of()),
    REDIS_COMMANDS("portcullis_redis_commands_total", Type.COUNTER, "commands",
            "Redis commands on REDIS ports, by lower-case name.", List.of("command")),
    REDIS_ERRORS("portcullis_redis_errors_total", Type.COUNTER, "replies",
            "Redis error replies.", List.of()),
    PROTOCOL_UNPARSED("portcullis_protocol_unparsed_total", Type.COUNTER, "connections",
            "Connections whose bytes stopped making sense as their declared protocol; they were relayed untouched.",
            List.of("protocol"));

    /** How a metric is exported. */
    public enum Type { COUNTER, GAUGE, HISTOGRAM }

    /** Label sets shared by several metrics. */
    static final class Labels {
        static final List<String> ISTIO_TCP = List.of("reporter", "source_principal", "destination_service",
                "destination_service_name", "destination_port", "response_flags", "connection_security_policy");
        static final List<String> ISTIO_HTTP = List.of("reporter", "source_principal", "destination_service",
                "destination_service_name", "destination_port", "request_protocol", "response_code", "response_flags",
                "connection_security_policy");

        private Labels() {
        }
    }

    private final String metricName;
    private final Type type;
    private final String unit;
    private final String help;
    // List.copyOf: unmodifiable, which the check cannot see without Guava's ImmutableList.
    @SuppressWarnings("ImmutableEnumChecker")
    private final List<String> labels;

    MetricCatalog(String metricName, Type type, String unit, String help, List<String> labels) {
        this.metricName = metricName;
        this.type = type;
        this.unit = unit;
        this.help = help;
        this.labels = List.copyOf(labels);
    }

    /** The name as exported, with Prometheus's {@code _total} suffix for counters. */
    public String metricName() {
        return metricName;
    }

    public Type type() {
        return type;
    }

    /** What one unit of the value is: {@code bytes}, {@code connections}, {@code seconds}… */
    public String unit() {
        return unit;
    }

    public String help() {
        return help;
    }

    public List<String> labels() {
        return labels;
    }
}
