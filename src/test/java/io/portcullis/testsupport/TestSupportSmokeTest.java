package io.portcullis.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proves each piece of test support against the real tools CI installs. */
class TestSupportSmokeTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final TestCa CA = TestCa.create("Portcullis smoke test CA");

  @TempDir Path tmp;

  @BeforeAll
  static void toolsArePresent() {
    for (String tool : List.of("curl", "openssl", "redis-server", "redis-cli")) {
      Cli.requireCommand(tool);
    }
  }

  @Test
  void curlReachesHttpsOriginByResolvedNameAndOriginRecordsSni() {
    Path caPem = CA.writeCaPem(tmp);
    try (HttpsOrigin origin = new HttpsOrigin("books", CA.issueServer("books.example"))) {
      String authority = "books.example:" + origin.port();

      Cli.Result result =
          Cli.run(
              TIMEOUT,
              "curl", "-sS", "--fail", "--max-time", "10",
              "--cacert", caPem.toString(),
              "--resolve", authority + ":127.0.0.1",
              origin.url("books.example"))
              .requireSuccess();

      assertThat(result.stdout()).isEqualTo("hello from books\n");
      assertThat(origin.lastSni()).isEqualTo("books.example");
      assertThat(origin.lastHost()).isEqualTo(authority);
      assertThat(origin.requestCount()).isEqualTo(1);
      assertThat(origin.connectionCount()).isEqualTo(1);
    }
  }

  @Test
  void rsaCaServesCurlToo() {
    TestCa rsa = TestCa.create("RSA smoke test CA", TestCa.KeyType.RSA_2048);
    Path caPem = rsa.writeCaPem(tmp.resolve("rsa-ca.pem"));
    try (HttpsOrigin origin = new HttpsOrigin("rsa", rsa.issueServer("rsa.example"))) {
      Cli.Result result =
          Cli.run(
              TIMEOUT,
              "curl", "-sS", "--fail", "--cacert", caPem.toString(),
              "--resolve", "rsa.example:" + origin.port() + ":127.0.0.1",
              origin.url("rsa.example"))
              .requireSuccess();
      assertThat(result.stdout()).isEqualTo("hello from rsa\n");
    }
  }

  @Test
  void ipLiteralSanVerifiesAndClientSendsNoSni() {
    Path caPem = CA.writeCaPem(tmp.resolve("ca-for-ip.pem"));
    try (HttpsOrigin origin = new HttpsOrigin("by-ip", CA.issueServer("127.0.0.1"))) {
      Cli.run(TIMEOUT, "curl", "-sS", "--fail", "--cacert", caPem.toString(), origin.url("127.0.0.1"))
          .requireSuccess();

      // RFC 6066 forbids IP literals in SNI, so curl leaves the extension out.
      assertThat(origin.snis()).containsExactly((String) null);
    }
  }

  @Test
  void plainOriginCountsRequestsAndKeepAliveConnections() {
    try (HttpOrigin origin = new HttpOrigin("plain")) {
      String base = origin.url("127.0.0.1");

      // One curl invocation with two URLs to the same origin reuses its connection.
      Cli.Result result =
          Cli.run(TIMEOUT, "curl", "-sS", "--fail", base + "a", base + "b").requireSuccess();
      assertThat(result.stdout()).isEqualTo("hello from plain\nhello from plain\n");
      assertThat(origin.requestCount()).isEqualTo(2);
      assertThat(origin.connectionCount()).isEqualTo(1);
      assertThat(origin.lastUri()).isEqualTo("/b");

      Cli.run(TIMEOUT, "curl", "-sS", "--fail", "-H", "Host: other.example", base).requireSuccess();
      assertThat(origin.requestCount()).isEqualTo(3);
      assertThat(origin.connectionCount()).isEqualTo(2);
      assertThat(origin.lastHost()).isEqualTo("other.example");
    }
  }

  @Test
  void expiredCertificateIsRejectedByCurl() {
    TestCa.Leaf expired =
        CA.issueServer(Duration.ofDays(-2), Duration.ofDays(1), "old.example");
    assertThatThrownBy(() -> expired.certificate().checkValidity())
        .isInstanceOf(CertificateExpiredException.class);

    Path caPem = CA.writeCaPem(tmp);
    try (HttpsOrigin origin = new HttpsOrigin("old", expired)) {
      Cli.Result result =
          Cli.run(
              TIMEOUT,
              "curl", "-sS", "--cacert", caPem.toString(),
              "--resolve", "old.example:" + origin.port() + ":127.0.0.1",
              origin.url("old.example"));

      assertThat(result.exitCode()).as(result.toString()).isEqualTo(60); // CURLE_PEER_FAILED_VERIFICATION
      assertThat(result.stderr()).contains("expired");
      assertThat(origin.requestCount()).isZero();
      assertThat(origin.lastSni()).isEqualTo("old.example");
    }
  }

  @Test
  void opensslVerifiesChainAndHostnameWithSni() {
    TestCa.Leaf leaf = CA.issueServer("*.wild.example", "mongo.example");
    Path caPem = CA.writeCaPem(tmp);
    Path chainPem = leaf.writeCertChainPem(tmp);
    Path keyPem = leaf.writeKeyPem(tmp);
    assertThat(Files.exists(chainPem)).isTrue();
    Cli.run(TIMEOUT, "openssl", "pkey", "-in", keyPem.toString(), "-noout").requireSuccess();
    Cli.run(TIMEOUT, "openssl", "verify", "-CAfile", caPem.toString(), chainPem.toString())
        .requireSuccess();

    try (HttpsOrigin origin = new HttpsOrigin("tls", leaf)) {
      Cli.Result ok =
          Cli.run(
              TIMEOUT,
              "openssl", "s_client",
              "-connect", "127.0.0.1:" + origin.port(),
              "-servername", "db.wild.example",
              "-verify_hostname", "db.wild.example",
              "-verify_return_error", "-CAfile", caPem.toString())
              .requireSuccess();
      assertThat(ok.stdout()).contains("Verify return code: 0 (ok)");
      assertThat(origin.lastSni()).isEqualTo("db.wild.example");

      Path otherCa = TestCa.create("someone else").writeCaPem(tmp.resolve("other-ca.pem"));
      Cli.Result refused =
          Cli.run(
              TIMEOUT,
              "openssl", "s_client",
              "-connect", "127.0.0.1:" + origin.port(),
              "-servername", "mongo.example",
              "-verify_return_error", "-CAfile", otherCa.toString());
      assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
      // The origin sends leaf + CA, so OpenSSL reports the untrusted root as "self-signed … in chain".
      assertThat(refused.stdout() + refused.stderr()).contains("certificate verify failed");
    }
  }

  @Test
  void redisCliPingsRealRedisServer() {
    long pid;
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      pid = redis.pid();
      Cli.Result result =
          Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(redis.port()), "PING")
              .requireSuccess();
      assertThat(result.stdout().trim()).isEqualTo("PONG");
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void clientLeafCarriesSpiffeUriAndCompletesMutualTls() throws Exception {
    String spiffe = "spiffe://cluster.local/ns/shop/sa/checkout";
    TestCa.Leaf client = CA.issueClient(spiffe);
    assertThat(client.certificate().getSubjectAlternativeNames()).containsExactly(List.of(6, spiffe));

    TestCa.Leaf server = CA.issueServer("gateway.example");
    try (SSLServerSocket listener =
        (SSLServerSocket)
            CA.sslContextFor(server)
                .getServerSocketFactory()
                .createServerSocket(0, 1, FreePorts.loopback())) {
      listener.setNeedClientAuth(true);
      CompletableFuture<X509Certificate> peer =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                  accepted.startHandshake();
                  X509Certificate presented =
                      (X509Certificate) accepted.getSession().getPeerCertificates()[0];
                  accepted.getOutputStream().write('!');
                  return presented;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (SSLSocket socket =
          (SSLSocket) CA.sslContextFor(client).getSocketFactory().createSocket()) {
        socket.connect(new InetSocketAddress(FreePorts.loopback(), listener.getLocalPort()), 5000);
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        assertThat(in.read()).isEqualTo('!');
      }
      assertThat(peer.get(10, TimeUnit.SECONDS)).isEqualTo(client.certificate());
    }
  }

  @Test
  void timeoutKillsTheWholeProcessTree() {
    Cli.TimedOut timedOut =
        org.junit.jupiter.api.Assertions.assertThrows(
            Cli.TimedOut.class,
            () -> Cli.run(Duration.ofMillis(500), "sh", "-c", "sleep 60 & echo $!; wait"));

    long grandchild = Long.parseLong(timedOut.partial().stdout().trim());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ProcessHandle.of(grandchild).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void missingCommandFailsLoudly() {
    assertThatThrownBy(() -> Cli.requireCommand("no-such-tool-portcullis"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no-such-tool-portcullis")
        .hasMessageContaining("scripts/install-test-deps");
  }

  @Test
  void tempConfigDirWritesAtomicallyAndCleansUp() throws Exception {
    Path dir;
    try (TempConfigDir config = TempConfigDir.create()) {
      dir = config.path();
      Path file = config.write("egress.yaml", "kind: ServiceEntry\n");
      config.write("egress.yaml", "kind: VirtualService\n");
      config.write("nested/more.yaml", "kind: Gateway\n");

      assertThat(Files.readString(file)).isEqualTo("kind: VirtualService\n");
      try (var names = Files.list(dir)) {
        assertThat(names.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("egress.yaml", "nested");
      }
      assertThat(config.delete("egress.yaml")).isTrue();
      assertThat(config.delete("egress.yaml")).isFalse();
    }
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void freePortsAreDistinct() {
    assertThat(List.of(FreePorts.pick(), FreePorts.pick(), FreePorts.pick())).doesNotHaveDuplicates();
  }
}
