package io.portcullis.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP echo server on 127.0.0.1, or on an address given (a client-first protocol with no
 * framing at all): every byte read is written back at once; when the peer half-closes, it
 * closes its side too. Counts the connections it accepted and those still open, so a test can
 * see an upstream the gateway left behind. One daemon thread per connection.
 */
public final class EchoOrigin implements AutoCloseable {
  private final ServerSocket server;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public EchoOrigin() {
    this(FreePorts.loopback());
  }

  /** An echo server on {@code address} (e.g. a network namespace's host-side address), port 0. */
  public EchoOrigin(java.net.InetAddress address) {
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(address, 0), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          accepted.incrementAndGet();
          open.incrementAndGet();
          sockets.add(s);
          Thread t = new Thread(() -> echo(s), "echo-origin-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "echo-origin-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void echo(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      byte[] buf = new byte[8192];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // A reset is one way for the peer to end; the count below is what tests look at.
    } finally {
      open.decrementAndGet();
      sockets.remove(s);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted since start. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections accepted and not yet ended by the peer. */
  public int open() {
    return open.get();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
