package io.portcullis.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One access-log line in the default text format, split into its fields by Envoy's operator
 * names, lower-case ({@code response_flags}, {@code upstream_cluster}…), independently of the
 * formatter: the field order here is the specification the tests hold the gateway to.
 */
public final class EnvoyAccessLine {
    public static final List<String> FIELDS = List.of("start_time", "method", "path", "protocol", "response_code",
            "response_flags", "response_code_details", "connection_termination_details",
            "upstream_transport_failure_reason", "bytes_received", "bytes_sent", "duration", "upstream_service_time",
            "x_forwarded_for", "user_agent", "request_id", "authority", "upstream_host", "upstream_cluster",
            "upstream_local_address", "downstream_local_address", "downstream_remote_address", "requested_server_name",
            "route_name", "source_principal", "message");

    private final String line;
    private final Map<String, String> fields;

    private EnvoyAccessLine(String line, Map<String, String> fields) {
        this.line = line;
        this.fields = fields;
    }

    /** Parses a line; fails if it does not have exactly the fields of the format. */
    public static EnvoyAccessLine parse(String line) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '[' || c == '"') {
                char close = c == '[' ? ']' : '"';
                int end = line.indexOf(close, i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated " + c + " in: " + line);
                }
                String inner = line.substring(i + 1, end);
                if (tokens.size() == 1) {
                    // "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" is one quoted token.
                    String[] parts = inner.split(" ", -1);
                    if (parts.length != 3) {
                        throw new IllegalArgumentException("request part is not 'METHOD PATH PROTOCOL': " + line);
                    }
                    tokens.addAll(List.of(parts));
                } else {
                    tokens.add(inner);
                }
                i = end + 1;
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? line.length() : end;
                tokens.add(line.substring(i, end));
                i = end;
            }
        }
        if (tokens.size() != FIELDS.size()) {
            throw new IllegalArgumentException("expected " + FIELDS.size() + " fields, got " + tokens.size() + ": " + line);
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (int k = 0; k < FIELDS.size(); k++) {
            map.put(FIELDS.get(k), tokens.get(k));
        }
        return new EnvoyAccessLine(line, map);
    }

    public String get(String field) {
        if (!fields.containsKey(field)) {
            throw new IllegalArgumentException("no field " + field);
        }
        return fields.get(field);
    }

    public long number(String field) {
        return Long.parseLong(get(field));
    }

    /** The port of {@code downstream_local_address}: which listener the client reached. */
    public int listenerPort() {
        String a = get("downstream_local_address");
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    public Map<String, String> fields() {
        return fields;
    }

    @Override
    public String toString() {
        return line;
    }
}
