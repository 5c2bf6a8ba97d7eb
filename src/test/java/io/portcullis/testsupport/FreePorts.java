package io.portcullis.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks TCP ports on 127.0.0.1 that were free a moment ago, only where a port must be chosen before
 * the server binds it: redis-server and mariadbd (for both, port 0 means something else), a Gateway
 * server's port in YAML, a proxy port a test connects to before the gateway opens it. Another
 * process may take the port between the pick and the bind, so every caller starts again with a new
 * port when the bind fails ({@code RedisServerProcess}, {@code MariaDbServerProcess},
 * {@code RunningGateway.applyOnFreePort}); servers that can bind port 0 do so and report their port.
 * Never returns the same port twice in one JVM, so two servers started back to back do not race
 * for one port.
 */
public final class FreePorts {

  private static final InetAddress LOOPBACK = loopback();
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  public static int pick() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = bindEphemeral();
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no fresh free port after 100 attempts");
  }

  /** 127.0.0.1 itself, not whatever {@code getLoopbackAddress()} prefers (::1 under preferIPv6). */
  static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static int bindEphemeral() {
    try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind an ephemeral port on 127.0.0.1", e);
    }
  }
}
