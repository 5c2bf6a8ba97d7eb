package io.portcullis.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real DNS server over UDP, small enough to read: answers A and AAAA questions (RFC 1035 wire
 * format) for the names it is given, with TTL 0 so nothing is cached, NXDOMAIN for others, and
 * records every question it was asked. Binds port 0 unless told otherwise.
 */
public final class TinyDnsServer implements AutoCloseable {
    private static final int TYPE_A = 1;
    private static final int TYPE_AAAA = 28;

    private final DatagramSocket socket;
    private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
    private final List<String> questions = new CopyOnWriteArrayList<>();
    private final Thread thread;

    public TinyDnsServer(InetSocketAddress bind) {
        try {
            socket = new DatagramSocket(bind);
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot bind the test DNS server to " + bind, e);
        }
        thread = new Thread(this::serve, "tiny-dns-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** On 127.0.0.1, a free port. */
    public static TinyDnsServer start() {
        return new TinyDnsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Answers {@code name} with {@code addresses} from now on. */
    public TinyDnsServer answer(String name, InetAddress... addresses) {
        answers.put(name.toLowerCase(Locale.ROOT), List.of(addresses));
        return this;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** The names asked so far, as {@code name/A} or {@code name/AAAA}. */
    public List<String> questions() {
        return List.copyOf(questions);
    }

    private void serve() {
        byte[] buffer = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(in);
                byte[] reply = reply(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                }
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private byte[] reply(ByteBuffer q) {
        if (q.remaining() < 12) {
            return null;
        }
        int id = q.getShort(0) & 0xffff;
        int flags = q.getShort(2) & 0xffff;
        q.position(12);
        StringBuilder name = new StringBuilder();
        while (q.hasRemaining()) {
            int len = q.get() & 0xff;
            if (len == 0) {
                break;
            }
            if (len > 63 || q.remaining() < len) {
                return null;
            }
            byte[] label = new byte[len];
            q.get(label);
            name.append(name.length() == 0 ? "" : ".").append(new String(label, java.nio.charset.StandardCharsets.US_ASCII));
        }
        if (q.remaining() < 4) {
            return null;
        }
        int type = q.getShort() & 0xffff;
        q.getShort();
        int questionEnd = q.position();
        String key = name.toString().toLowerCase(Locale.ROOT);
        questions.add(key + "/" + (type == TYPE_A ? "A" : type == TYPE_AAAA ? "AAAA" : String.valueOf(type)));
        List<InetAddress> known = answers.get(key);
        List<InetAddress> matching = known == null ? List.of() : known.stream()
                .filter(a -> a.getAddress().length == (type == TYPE_AAAA ? 16 : 4)).toList();
        if (type != TYPE_A && type != TYPE_AAAA) {
            matching = List.of();
        }
        ByteBuffer out = ByteBuffer.allocate(512);
        out.putShort((short) id);
        // QR, the question's RD, RA; NXDOMAIN for a name we do not know at all.
        out.putShort((short) (0x8080 | (flags & 0x0100) | (known == null ? 3 : 0)));
        out.putShort((short) 1).putShort((short) matching.size()).putShort((short) 0).putShort((short) 0);
        out.put(q.array(), q.arrayOffset() + 12, questionEnd - 12);
        for (InetAddress a : matching) {
            out.putShort((short) 0xc00c).putShort((short) type).putShort((short) 1).putInt(0);
            out.putShort((short) a.getAddress().length).put(a.getAddress());
        }
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
