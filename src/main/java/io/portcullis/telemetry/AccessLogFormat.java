package io.portcullis.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The shapes of an access-log line. {@link #TEXT} is Istio's default Envoy text format, field for
 * field, followed by the source principal ({@code %DOWNSTREAM_PEER_URI_SAN%}) and, quoted, the
 * message of a refusal:
 *
 * <pre>
 * [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
 * %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED%
 * %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
 * "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
 * %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%
 * %DOWNSTREAM_PEER_URI_SAN% "message"
 * </pre>
 *
 * <p>The reason code ({@code no_service_entry}…) is {@code %RESPONSE_CODE_DETAILS%}; the route name is the
 * ServiceEntry that allowed the connection, {@code allow_any} or {@code block_all}. {@link #JSON} writes
 * the same fields as one JSON object per line, with Istio's JSON key names plus {@code listener},
 * {@code decision}, {@code reason}, {@code upstream_failure}, {@code resource}, {@code requests}, {@code source_principal} and
 * {@code message}. Formatting runs on the access-log writer thread, never on an event loop.
 */
public enum AccessLogFormat {
    TEXT {
        @Override
        public String format(ConnectionRecord r) {
            StringBuilder sb = new StringBuilder(320);
            sb.append('[').append(startTime(r)).append("] \"")
                    .append(r.method()).append(' ').append(r.path()).append(' ').append(r.httpProtocol()).append("\" ")
                    .append(r.responseCode()).append(' ')
                    .append(r.responseFlags()).append(' ')
                    .append(r.reasonCode()).append(' ')
                    .append('-').append(' ');
            quoted(sb, r.upstreamFailure()).append(' ')
                    .append(r.bytesReceived()).append(' ')
                    .append(r.bytesSent()).append(' ')
                    .append(r.durationMillis()).append(' ')
                    .append('-').append(' ');
            quoted(sb, r.forwardedFor()).append(' ');
            quoted(sb, r.userAgent()).append(' ');
            quoted(sb, r.requestId()).append(' ');
            quoted(sb, r.authority()).append(' ');
            quoted(sb, r.upstreamHost()).append(' ')
                    .append(r.destination().cluster()).append(' ')
                    .append(r.upstreamLocal()).append(' ')
                    .append(r.downstreamLocal()).append(' ')
                    .append(r.downstreamRemote()).append(' ')
                    .append(bare(r.serverName())).append(' ')
                    .append(r.routeName()).append(' ')
                    .append(bare(r.sourcePrincipal())).append(' ');
            return quoted(sb, r.message()).toString();
        }
    },
    JSON {
        @Override
        public String format(ConnectionRecord r) {
            StringWriter out = new StringWriter(512);
            try (JsonGenerator g = JSON_FACTORY.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("start_time", startTime(r));
                g.writeStringField("method", nullIfDash(r.method()));
                g.writeStringField("path", nullIfDash(r.path()));
                g.writeStringField("protocol", nullIfDash(r.httpProtocol()));
                g.writeNumberField("response_code", r.responseCode());
                g.writeStringField("response_flags", r.responseFlags());
                g.writeStringField("response_code_details", r.reasonCode());
                g.writeStringField("upstream_transport_failure_reason", nullIfDash(r.upstreamFailure()));
                g.writeNumberField("bytes_received", r.bytesReceived());
                g.writeNumberField("bytes_sent", r.bytesSent());
                g.writeNumberField("duration", r.durationMillis());
                g.writeStringField("x_forwarded_for", nullIfDash(r.forwardedFor()));
                g.writeStringField("user_agent", nullIfDash(r.userAgent()));
                g.writeStringField("request_id", nullIfDash(r.requestId()));
                g.writeStringField("authority", nullIfDash(r.authority()));
                g.writeStringField("upstream_host", nullIfDash(r.upstreamHost()));
                g.writeStringField("upstream_cluster", nullIfDash(r.destination().cluster()));
                g.writeStringField("upstream_local_address", nullIfDash(r.upstreamLocal()));
                g.writeStringField("downstream_local_address", nullIfDash(r.downstreamLocal()));
                g.writeStringField("downstream_remote_address", nullIfDash(r.downstreamRemote()));
                g.writeStringField("requested_server_name", nullIfDash(r.serverName()));
                g.writeStringField("route_name", nullIfDash(r.routeName()));
                g.writeStringField("listener", r.listener());
                g.writeStringField("decision", r.decision());
                g.writeStringField("reason", r.reasonCode());
                g.writeStringField("upstream_failure", nullIfDash(r.upstreamOutcome()));
                g.writeStringField("resource", r.resource() == null ? null : r.resource().toString());
                g.writeStringField("destination_service", r.destination().service());
                g.writeNumberField("requests", r.requests());
                g.writeStringField("source_principal", nullIfDash(r.sourcePrincipal()));
                g.writeStringField("message", nullIfDash(r.message()));
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        }
    },

    /**
     * {@code logfmt}: {@code key=value} pairs in a fixed order, the decision first, for grep and
     * for log pipelines that parse logfmt; optional keys appear only when set.
     */
    LOGFMT {
        @Override
        public String format(ConnectionRecord r) {
            StringBuilder sb = new StringBuilder(256);
            sb.append(startTime(r)).append(" listener=").append(r.listener())
                    .append(" client=").append(r.downstreamRemote());
            if (!"-".equals(r.sourcePrincipal())) {
                sb.append(" source_principal=").append(bare(r.sourcePrincipal()));
            }
            if (!"-".equals(r.originalDestination())) {
                sb.append(" original_dst=").append(r.originalDestination());
            }
            sb.append(" requested=").append(bare(r.requested()))
                    .append(" decision=").append(r.decision())
                    .append(" reason=").append(r.reasonCode());
            if (!"-".equals(r.upstreamOutcome())) {
                sb.append(" upstream_failure=").append(r.upstreamOutcome());
            }
            sb.append(" resource=").append(r.resource() == null ? "-" : r.resource().toString());
            if (!"-".equals(r.httpRoute())) {
                // The VirtualService route that took it (an http route, or a sidecar's mesh tls/tcp route).
                sb.append(" route=").append(r.httpRoute());
            }
            sb.append(" upstream=").append(r.upstreamHost())
                    .append(" bytes_sent=").append(r.bytesReceived())
                    .append(" bytes_received=").append(r.bytesSent());
            if (r.requests() > 0) {
                sb.append(" requests=").append(r.requests());
            }
            sb.append(" duration_ms=").append(r.durationMillis());
            if (!"-".equals(r.message())) {
                sb.append(" message=");
                quoted(sb, r.message());
            }
            return sb.toString();
        }
    };

    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    /** The date and time up to the second, formatted once per second rather than once per line. */
    private static final StartTimeText START_TIME = new StartTimeText();

    /** One line, without its newline. */
    public abstract String format(ConnectionRecord record);

    private static String startTime(ConnectionRecord r) {
        return START_TIME.format(r.start());
    }

    private static StringBuilder quoted(StringBuilder sb, String value) {
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                sb.append('\'');
            } else if (c < 0x20) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.append('"');
    }

    /** A client-supplied value in an unquoted field: no space may split the line's fields. */
    private static String bare(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) <= ' ' || value.charAt(i) == '"') {
                return value.replaceAll("[\\x00-\\x20\"]", "?");
            }
        }
        return value;
    }

    private static String nullIfDash(String s) {
        return "-".equals(s) ? null : s;
    }
}
