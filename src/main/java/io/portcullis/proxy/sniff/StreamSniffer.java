package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The common frame of the protocol sniffers: walks the readable bytes of each buffer through a
 * per-direction parser, and turns any surprise ({@link Unparsable} or a bug) into "stop parsing
 * this connection and count it once", so the relay never notices.
 */
abstract class StreamSniffer implements ProtocolSniffer {
    private static final Logger LOG = LoggerFactory.getLogger(StreamSniffer.class);

    private boolean stopped;

    @Override
    public final void clientBytes(ByteBuf buf) {
        feed(buf, true);
    }

    @Override
    public final void serverBytes(ByteBuf buf) {
        feed(buf, false);
    }

    @Override
    public final boolean stopped() {
        return stopped;
    }

    private void feed(ByteBuf buf, boolean fromClient) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        try {
            while (i < end && !stopped) {
                int next = fromClient ? client(buf, i, end) : server(buf, i, end);
                if (next <= i) {
                    throw new IllegalStateException("parser made no progress at " + i);
                }
                i = next;
            }
        } catch (Unparsable e) {
            LOG.debug("{}: stopped parsing ({})", getClass().getSimpleName(), e.getMessage());
            giveUp();
        } catch (RuntimeException e) {
            // A parser bug: the bytes must keep flowing untouched, but the bug must be seen.
            LOG.warn("{}: parser error, stopped parsing this connection: {}", getClass().getSimpleName(), e.toString());
            giveUp();
        }
    }

    /** Parses client bytes in {@code buf[from, to)}; returns the index after the last byte consumed (at least one). */
    protected abstract int client(ByteBuf buf, int from, int to);

    /** Parses server bytes in {@code buf[from, to)}; returns the index after the last byte consumed (at least one). */
    protected abstract int server(ByteBuf buf, int from, int to);

    /** Counts this connection as unparsed, once. */
    protected abstract void countUnparsed();

    /** Stops parsing because the bytes are not this protocol; counted. */
    protected final void giveUp() {
        if (!stopped) {
            stopped = true;
            countUnparsed();
        }
    }

    /** Stops parsing on purpose (e.g. the connection switched to TLS); not counted as unparsed. */
    protected final void finish() {
        stopped = true;
    }

    /** Bytes that cannot be this protocol. Cheap: no stack trace. */
    static final class Unparsable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unparsable(String why) {
            super(why, null, false, false);
        }
    }

    static Unparsable unparsable(String why) {
        return new Unparsable(why);
    }
}
