package io.portcullis.proxy.sniff;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Feeds a conversation (client and server turns, in order) to a fresh sniffer, whole and split
 * at every byte boundary of every turn and byte by byte, and checks the reports never change
 * and that no buffer was touched.
 */
final class SnifferHarness {
    /** One turn: bytes from the client or from the server. */
    record Turn(boolean fromClient, byte[] bytes) {
    }

    static Turn client(byte[]... parts) {
        return new Turn(true, concat(parts));
    }

    static Turn server(byte[]... parts) {
        return new Turn(false, concat(parts));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The reports for the conversation fed whole; asserts every split gives the same. */
    static List<String> run(Function<RecordingStats, ProtocolSniffer> factory, Turn... turns) {
        List<String> whole = feed(factory, turns, -1, -1);
        for (int t = 0; t < turns.length; t++) {
            for (int at = 1; at < turns[t].bytes().length; at++) {
                assertThat(feed(factory, turns, t, at)).as("turn %d split at byte %d", t, at).isEqualTo(whole);
            }
        }
        assertThat(feed(factory, turns, -2, 1)).as("byte by byte").isEqualTo(whole);
        return whole;
    }

    static List<String> feed(Function<RecordingStats, ProtocolSniffer> factory, Turn[] turns, int splitTurn,
                                     int splitAt) {
        RecordingStats stats = new RecordingStats();
        ProtocolSniffer sniffer = factory.apply(stats);
        for (int t = 0; t < turns.length; t++) {
            byte[] bytes = turns[t].bytes();
            List<byte[]> chunks = new ArrayList<>();
            if (splitTurn == -2) {
                for (byte b : bytes) {
                    chunks.add(new byte[] {b});
                }
            } else if (t == splitTurn) {
                chunks.add(Arrays.copyOfRange(bytes, 0, splitAt));
                chunks.add(Arrays.copyOfRange(bytes, splitAt, bytes.length));
            } else {
                chunks.add(bytes);
            }
            for (byte[] chunk : chunks) {
                // Readable bytes in the middle of a larger buffer: the sniffer must use the indexes it is given.
                ByteBuf buf = Unpooled.buffer(chunk.length + 8);
                buf.writeBytes(new byte[] {9, 9, 9, 9});
                buf.writeBytes(chunk);
                buf.writeBytes(new byte[] {7, 7, 7, 7});
                buf.readerIndex(4).writerIndex(4 + chunk.length);
                if (turns[t].fromClient()) {
                    sniffer.clientBytes(buf);
                } else {
                    sniffer.serverBytes(buf);
                }
                assertThat(buf.readerIndex()).isEqualTo(4);
                assertThat(buf.writerIndex()).isEqualTo(4 + chunk.length);
                byte[] after = new byte[chunk.length];
                buf.getBytes(4, after);
                assertThat(after).isEqualTo(chunk);
                buf.release();
            }
        }
        return stats.events;
    }

    private SnifferHarness() {
    }
}
