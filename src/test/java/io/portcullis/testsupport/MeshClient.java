package io.portcullis.testsupport;

import io.portcullis.identity.MeshIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a sidecar does on the wire, by hand with the JDK: a mutual-TLS connection presenting a
 * workload identity folder, with a chosen SNI, and optionally the app's own TLS inside it. For
 * tests of the gateway side without a sidecar.
 */
public final class MeshClient {
  private MeshClient() {}

  /** Opens mutual TLS to {@code host:port} as the identity in {@code certs}, announcing {@code sni}; handshake done. */
  public static SSLSocket connect(Path certs, String host, int port, String sni) throws IOException {
    SSLContext context = context(certs);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port);
    SSLParameters params = socket.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(sni)));
    socket.setSSLParameters(params);
    socket.setSoTimeout(15_000);
    socket.startHandshake();
    return socket;
  }

  /** The app's own TLS inside {@code outer}, with SNI {@code innerSni}; handshake done. */
  public static SSLSocket tlsInside(Socket outer, SSLContext appContext, String innerSni, int port) throws IOException {
    SSLSocket inner = (SSLSocket) appContext.getSocketFactory().createSocket(outer, innerSni, port, true);
    inner.setSoTimeout(15_000);
    inner.startHandshake();
    return inner;
  }

  /** Sends a GET for / and returns the whole response (the origin closes after it). */
  public static String get(Socket socket, String host) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  private static SSLContext context(Path certs) throws IOException {
    MeshIdentity identity = MeshIdentity.load(certs);
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("workload", identity.key(), new char[0], identity.chain().toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (int i = 0; i < identity.roots().size(); i++) {
        trust.setCertificateEntry("root" + i, identity.roots().get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }
}
