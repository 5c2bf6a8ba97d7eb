package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.RequestHeaders;
import io.portcullis.policy.RequestPaths;
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

    /**
     * The request target's path as AuthorizationPolicies match it ({@link RequestPaths#forMatching}:
     * without query, dot segments removed, so a DENY on a path cannot be stepped around by spelling
     * it another way, nor by a target {@link java.net.URI} would refuse); empty for CONNECT.
     */
    static String path(HttpRequest request) {
        return request.method().equals(HttpMethod.CONNECT) ? "" : RequestPaths.forMatching(request.uri());
    }

    private static RequestHeaders view(HttpHeaders headers) {
        return name -> List.copyOf(headers.getAll(name));
    }
}
