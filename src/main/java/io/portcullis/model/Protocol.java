package io.portcullis.model;

/** The port protocols of Istio's {@code Port.protocol} that Portcullis understands. */
public enum Protocol {
    HTTP, HTTPS, HTTP2, GRPC, TLS, TCP, MONGO, MYSQL, REDIS;

    /** Carries TLS end to end, so the SNI of its ClientHello names the destination. */
    public boolean isTls() {
        return this == HTTPS || this == TLS;
    }

    /** Plain HTTP on the wire, so the Host header names the destination. */
    public boolean isHttp() {
        return this == HTTP || this == HTTP2 || this == GRPC;
    }

    /** Opaque bytes routed by address and port alone. */
    public boolean isOpaqueTcp() {
        return this == TCP || this == MONGO || this == MYSQL || this == REDIS;
    }
}
