package io.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.portcullis.policy.HttpAttributes;

/**
 * An HTTP request head as an AuthorizationPolicy sees it: its method, its path (none for
 * {@code CONNECT}, as Envoy has no {@code :path} there) and its headers, read in place.
 */
final class RequestAttributes {
    private RequestAttributes() {
    }

    static HttpAttributes of(HttpRequest request) {
        HttpAttributes.Headers headers = name -> request.headers().getAll(name);
        if (request.method().equals(HttpMethod.CONNECT)) {
            return new HttpAttributes(request.method().name(), null, headers);
        }
        return HttpAttributes.of(request.method().name(), request.uri(), headers);
    }
}
