package io.portcullis.proxy.http;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.policy.UpstreamTarget;

/**
 * What makes two exchanges able to share an upstream connection: the same host (the name a TLS
 * certificate was verified for, and the Host the upstream serves), port, candidate addresses and
 * TLS settings.
 */
record UpstreamKey(String host, int port, UpstreamTarget target, ClientTls tls) {
    static UpstreamKey of(Route.Forward route) {
        return new UpstreamKey(route.authority().host(), route.authority().port(), route.verdict().target(),
                route.tls() == null ? null : route.tls().tls());
    }
}
