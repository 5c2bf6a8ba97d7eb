package io.portcullis.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds many client connections open through a proxy without sending anything on them (or, for a
 * forward proxy, only the {@code CONNECT} that opens each tunnel), so the proxy's resident memory
 * per idle connection can be read off {@code /proc}.
 */
final class IdleConnections implements AutoCloseable {
    private final List<SocketChannel> open = new ArrayList<>();

    /**
     * Opens {@code count} connections to {@code proxy}; with {@code connectAuthority} each asks for a
     * tunnel to it and waits for the 200. Returns once all are open (or throws).
     */
    static IdleConnections open(InetSocketAddress proxy, int count, String connectAuthority) throws IOException {
        IdleConnections held = new IdleConnections();
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open(proxy);
                held.open.add(ch);
                if (connectAuthority != null) {
                    tunnel(ch, connectAuthority);
                }
            }
            return held;
        } catch (IOException | RuntimeException e) {
            held.close();
            throw e;
        }
    }

    private static void tunnel(SocketChannel ch, String authority) throws IOException {
        ch.write(ByteBuffer.wrap(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer in = ByteBuffer.allocate(1024);
        while (true) {
            if (ch.read(in) < 0) {
                throw new IOException("the proxy closed a CONNECT without answering");
            }
            String head = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
            if (head.contains("\r\n\r\n")) {
                if (!head.startsWith("HTTP/1.1 200") && !head.startsWith("HTTP/1.0 200")) {
                    throw new IOException("CONNECT refused: " + head.lines().findFirst().orElse(head));
                }
                return;
            }
        }
    }

    int size() {
        return open.size();
    }

    @Override
    public void close() {
        for (SocketChannel ch : open) {
            try {
                ch.close();
            } catch (IOException e) {
                // Closing a socket we own: nothing to recover.
            }
        }
        open.clear();
    }
}
