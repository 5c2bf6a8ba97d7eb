package io.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SNI check inside a CONNECT tunnel, on an {@link EmbeddedChannel} fed a real ClientHello
 * (made by Netty's own TLS client): a name that is neither the CONNECT host nor allowed gets a
 * fatal unrecognized_name alert and the close; the CONNECT host's name passes byte for byte.
 */
class TunnelSniCheckTest {
    private static final EgressPolicy POLICY = policy();

    private static final String BOOKS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: books}
            spec:
              hosts: [books.example.test]
              ports: [{number: 443, name: https, protocol: HTTPS}]
              resolution: DNS
            """;

    private static EgressPolicy policy() {
        return policy(BOOKS);
    }

    private static EgressPolicy policy(String yaml) {
        LoadResult r = FolderLoader.fromFiles(Map.of("books.yaml", yaml));
        assertThat(r.errors()).isEmpty();
        return EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static ByteBuf clientHello(String sni) throws Exception {
        SslContext client = SslContextBuilder.forClient().build();
        EmbeddedChannel app = new EmbeddedChannel(client.newHandler(ByteBufAllocator.DEFAULT, sni, 443));
        ByteBuf hello = app.readOutbound();
        assertThat(hello).as("the TLS client's first flight").isNotNull();
        app.finishAndReleaseAll();
        return hello;
    }

    private static EmbeddedChannel tunnel(ConnectionLog log) {
        return tunnel(POLICY, log);
    }

    private static EmbeddedChannel tunnel(EgressPolicy policy, ConnectionLog log) {
        return new EmbeddedChannel(new TunnelSniCheck(16 * 1024, 10_000, policy, "books.example.test", 443, log));
    }

    @Test
    void anotherDeclaredNameMustAlsoBeAuthorized() throws Exception {
        // A second declared host, which an AuthorizationPolicy closes to everyone: a CONNECT to it
        // is refused, so a tunnel to books.example.test may not carry a TLS session to it either.
        EgressPolicy p = policy(BOOKS.replace("hosts: [books.example.test]", "hosts: [books.example.test, admin.example.test]")
                + """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: no-admin, namespace: istio-system}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {hosts: [admin.example.test]}}]}]
                """);
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000));
        EmbeddedChannel ch = tunnel(p, log);
        ch.writeInbound(clientHello("admin.example.test"));
        ByteBuf alert = ch.readOutbound();
        assertThat(alert).as("a fatal alert, not a replayed ClientHello").isNotNull();
        assertThat(ByteBufUtil.getBytes(alert)).containsExactly(21, 3, 3, 0, 2, 2, 112);
        alert.release();
        assertThat(ch.<Object>readInbound()).as("nothing reaches the upstream").isNull();
        assertThat(log.reason()).isEqualTo(Reason.SNI_MISMATCH);
        assertThat(log.close().message()).contains("denied by AuthorizationPolicy/istio-system/no-admin");
        ch.finishAndReleaseAll();
    }

    @Test
    void anotherNameIsAnsweredWithAFatalUnrecognizedNameAlert() throws Exception {
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000));
        EmbeddedChannel ch = tunnel(log);
        ch.writeInbound(clientHello("evil.example.test"));
        ByteBuf alert = ch.readOutbound();
        assertThat(ByteBufUtil.getBytes(alert)).containsExactly(21, 3, 3, 0, 2, 2, 112);
        alert.release();
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.<Object>readInbound()).as("nothing reaches the upstream").isNull();
        assertThat(log.reason()).isEqualTo(Reason.SNI_MISMATCH);
        ch.finishAndReleaseAll();
    }

    @Test
    void theConnectHostsNamePassesUnchanged() throws Exception {
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000));
        EmbeddedChannel ch = tunnel(log);
        ByteBuf hello = clientHello("books.example.test");
        byte[] sent = ByteBufUtil.getBytes(hello);
        ch.writeInbound(hello);
        ByteBuf passed = ch.readInbound();
        assertThat(ByteBufUtil.getBytes(passed)).isEqualTo(sent);
        passed.release();
        assertThat(ch.<Object>readOutbound()).isNull();
        assertThat(ch.isOpen()).isTrue();
        assertThat(log.reason()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void aClientHelloSplitAcrossReadsIsStillBoundInTime() throws Exception {
        // The timer is armed once the first bytes leave the hello incomplete (not as the check is
        // added, when the whole hello nearly always follows at once): a hello that never completes
        // is still refused at the inspect timeout.
        ConnectionLog log = new ConnectionLog("proxy_3128", new InetSocketAddress("127.0.0.1", 40000));
        EmbeddedChannel ch = tunnel(log);
        ByteBuf hello = clientHello("books.example.test");
        ch.writeInbound(hello.readRetainedSlice(10));
        hello.release();
        assertThat(ch.<Object>readInbound()).as("nothing passes before the hello is complete").isNull();
        ch.advanceTimeBy(10_001, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(log.reason()).isEqualTo(Reason.INSPECT_TIMEOUT);
        assertThat(log.close().message()).isEqualTo("no complete ClientHello within 10000 ms");
        ch.finishAndReleaseAll();
    }
}
