package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.RequestHeaders;
import java.util.List;
import java.util.Optional;

/** The facts an HTTP request head adds to its connection's: method, path and a read-only view of its headers. */
final class RequestFacts {
    private RequestFacts() {
    }

    static Facts.Builder add(Facts.Builder facts, HttpRequest request) {
        return facts.http(request.method().name(), path(request), view(request.headers()));
    }

    static HostPort hostPort(Authority a) {
        return new HostPort(a.host(), a.port(), Optional.ofNullable(a.ip()));
    }

    /** The request target's path without query; {@code /} when it names none, empty for CONNECT or a malformed one. */
    static String path(HttpRequest request) {
        if (request.method().equals(HttpMethod.CONNECT)) {
            return "";
        }
        try {
            String raw = java.net.URI.create(request.uri()).getRawPath();
            return raw == null || raw.isEmpty() ? "/" : raw;
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static RequestHeaders view(HttpHeaders headers) {
        return name -> List.copyOf(headers.getAll(name));
    }
}
