package io.portcullis.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP origin on 127.0.0.1 that answers with bytes a test scripts, for the answers a
 * well-behaved server never gives: chunked or close-delimited bodies, 101 upgrades, silence,
 * garbage, a close before answering. Each connection runs on its own daemon thread: the request
 * head is read (up to the empty line), then the {@link Script} writes whatever it wants.
 */
public final class RawHttpOrigin implements AutoCloseable {

  /** What to do with one connection once its first request head has been read. */
  @FunctionalInterface
  public interface Script {
    void serve(String requestHead, InputStream in, OutputStream out) throws IOException;
  }

  private final ServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  public RawHttpOrigin(Script script) {
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(FreePorts.loopback(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          open.add(s);
          Thread t = new Thread(() -> serve(s, script), "raw-origin-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "raw-origin-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket s, Script script) {
    try (s) {
      InputStream in = s.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      heads.add(head);
      script.serve(head, in, s.getOutputStream());
      s.getOutputStream().flush();
    } catch (IOException e) {
      // The gateway closing on us is part of several scripts.
    }
  }

  /** Reads up to and including the empty line; null on EOF before one. */
  public static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int b; (b = in.read()) >= 0; ) {
      buf.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        return buf.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  /** Writes {@code text} as ISO-8859-1 bytes and flushes. */
  public static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  public int port() {
    return server.getLocalPort();
  }

  public int connectionCount() {
    return connections.get();
  }

  /** The request heads received, in order (first request of each connection). */
  public List<String> heads() {
    return List.copyOf(heads);
  }

  @Override
  public void close() {
    try {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    } catch (IOException e) {
      // Closing test sockets: nothing to report.
    }
  }
}
