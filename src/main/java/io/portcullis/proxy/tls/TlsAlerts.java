package io.portcullis.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.portcullis.policy.Reason;
import java.util.Optional;

/**
 * The fatal TLS alert a listener that peeked a ClientHello (and never answered it) sends before it
 * closes a refused connection, so that clients print why ({@code tlsv1 unrecognized name},
 * {@code tlsv1 alert access denied}) instead of {@code unexpected eof}. One plaintext alert record:
 * no handshake has happened, so nothing is encrypted yet (RFC 8446 §6, RFC 5246 §7.2).
 */
public final class TlsAlerts {
    /** RFC 6066 §3: the server does not serve the name the client asked for. */
    static final byte UNRECOGNIZED_NAME = 112;
    /** RFC 8446 §6.2: a valid request that access control refused. */
    static final byte ACCESS_DENIED = 49;

    private TlsAlerts() {
    }

    /** The alert for a refusal by {@code reason}; empty when a bare close fits better (not TLS, upstream trouble). */
    public static Optional<ByteBuf> forRefusal(Reason reason) {
        return switch (reason) {
            case NO_SERVICE_ENTRY, NO_ROUTE, NOT_GATEWAY_HOST, NO_SNI, SNI_MISMATCH, PRIVATE_ADDRESS, SELF_CONNECTION ->
                    Optional.of(fatal(UNRECOGNIZED_NAME));
            case AUTHZ_DENIED -> Optional.of(fatal(ACCESS_DENIED));
            default -> Optional.empty();
        };
    }

    /** A TLS 1.2-framed fatal alert record (content type 21, level 2), as TLS 1.3 also sends before its handshake. */
    static ByteBuf fatal(byte description) {
        return Unpooled.wrappedBuffer(new byte[] {21, 3, 3, 0, 2, 2, description});
    }
}
