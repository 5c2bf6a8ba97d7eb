package io.portcullis.learn;

import io.portcullis.model.Protocol;

/**
 * The protocol a connection was seen to speak: TLS (a ClientHello with SNI), HTTP (a request
 * Portcullis parsed), or opaque TCP; MONGO, MYSQL and REDIS where a Gateway TCP listener declares
 * them (the sniffers run only on declared ports, so undeclared TCP stays TCP).
 */
public enum SeenProtocol {
    TLS, HTTP, TCP, MONGO, MYSQL, REDIS;

    /** The ServiceEntry port protocol to declare for it. */
    public Protocol declared() {
        return switch (this) {
            case TLS -> Protocol.TLS;
            case HTTP -> Protocol.HTTP;
            case TCP -> Protocol.TCP;
            case MONGO -> Protocol.MONGO;
            case MYSQL -> Protocol.MYSQL;
            case REDIS -> Protocol.REDIS;
        };
    }
}
