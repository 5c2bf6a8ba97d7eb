package io.portcullis.testsupport;

import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLException;

/**
 * An {@link HttpOrigin} behind TLS: same body and counters, plus the SNI each TLS connection
 * presented in its ClientHello (recorded before the handshake, so also for handshakes the client
 * later aborts, e.g. on a certificate it does not trust).
 */
public final class HttpsOrigin extends HttpOrigin {

  private final SniLog sniLog;

  /** Starts an origin presenting {@code leaf} (its chain is sent as is). */
  public HttpsOrigin(String name, TestCa.Leaf leaf) {
    this(name, serverContext(leaf));
  }

  /** Starts an origin presenting {@code leaf} on {@code bind} rather than loopback. */
  public HttpsOrigin(String name, TestCa.Leaf leaf, java.net.InetAddress bind) {
    this(name, serverContext(leaf), new SniLog(), bind);
  }

  /** Starts an origin with a custom Netty context (client auth, ALPN, a chosen provider…). */
  public HttpsOrigin(String name, SslContext sslContext) {
    this(name, sslContext, new SniLog());
  }

  private HttpsOrigin(String name, SslContext sslContext, SniLog sniLog) {
    super(name, () -> sniLog.newHandler(sslContext));
    this.sniLog = sniLog;
  }

  private HttpsOrigin(String name, SslContext sslContext, SniLog sniLog, java.net.InetAddress bind) {
    super(name, () -> sniLog.newHandler(sslContext), bind);
    this.sniLog = sniLog;
  }

  /** SNI of the most recent ClientHello; null if it carried none (curl omits it for IP literals). */
  public String lastSni() {
    List<String> all = sniLog.names;
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }

  /** SNI of every ClientHello in arrival order; null elements for those without SNI. */
  public List<String> snis() {
    return Collections.unmodifiableList(new ArrayList<>(sniLog.names));
  }

  @Override
  protected String scheme() {
    return "https";
  }

  private static SslContext serverContext(TestCa.Leaf leaf) {
    try {
      return SslContextBuilder.forServer(
              leaf.privateKey(), leaf.chain().toArray(new X509Certificate[0]))
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the origin's TLS context", e);
    }
  }

  /** Lives outside the instance so the handler factory can reach it before super() returns. */
  private static final class SniLog {
    final List<String> names = new CopyOnWriteArrayList<>();

    ChannelHandler newHandler(SslContext sslContext) {
      Mapping<String, SslContext> recordThenServe =
          hostname -> {
            names.add(hostname);
            return sslContext;
          };
      return new SniHandler(recordThenServe);
    }
  }
}
