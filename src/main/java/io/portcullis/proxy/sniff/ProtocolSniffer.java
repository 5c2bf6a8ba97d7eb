package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;

/**
 * Watches one connection's bytes pass in both directions and counts what it recognises. It
 * reads the readable bytes of each buffer without moving its indexes or changing it, keeps only
 * the few bytes of state a parser needs between reads (never a whole message), and stops for
 * good at the first byte it does not understand, leaving the relay untouched. Called on the
 * connection's event loop only.
 */
public interface ProtocolSniffer {
    /** Bytes the client sent, about to be relayed upstream. */
    void clientBytes(ByteBuf buf);

    /** Bytes the upstream sent, about to be relayed to the client. */
    void serverBytes(ByteBuf buf);

    /** True once parsing has ended (input it did not understand, or a switch to TLS). */
    boolean stopped();
}
