package io.portcullis.proxy.http;

import io.portcullis.policy.Admission;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.Verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT tunnel's inspector, in process: it stands where the relay will be and, once the first
 * bytes show what the tunnel carries, installs the one thing that carries it (an HTTP exchange
 * loop, the SNI check and the relay, or the relay), with nothing built to be torn down.
 */
class TunnelInspectorTest {
    private static final String HOST = "books.example.test";
    private static final EgressPolicy POLICY = compile("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: books}
            spec:
              hosts: [books.example.test]
              ports: [{number: 443, name: https, protocol: HTTPS}]
              resolution: DNS
            """);

    private final ProxySettings settings = ProxySettings.defaults(InetAddress.getLoopbackAddress());
    private final ConnectionLog log = new ConnectionLog("test", new InetSocketAddress("127.0.0.1", 40000));
    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel upstream = new EmbeddedChannel();

    TunnelInspectorTest() {
        Verdict.Forward verdict = (Verdict.Forward) Admission.admit(POLICY, Facts.of(ListenerKind.EXPLICIT_CONNECT, 443)
                .authority(HostPort.ofName(HOST, 443)).build());
        Route.Tunnel tunnel = new Route.Tunnel(verdict, new Authority(HOST, 443, null));
        TunnelInspector inspector = new TunnelInspector(POLICY, tunnel, upstream, settings, log);
        client.pipeline().addLast(PipelineNames.TUNNEL_INSPECTOR, inspector);
        upstream.pipeline().addLast(PipelineNames.TUNNEL_WATCH, inspector.upstreamWatch());
    }

    @AfterEach
    void releaseEverything() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    private static EgressPolicy compile(String yaml) {
        LoadResult result = FolderLoader.fromFiles(Map.of("config.yaml", yaml));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            sb.append(o instanceof ByteBuf b ? b.toString(StandardCharsets.ISO_8859_1) : String.valueOf(o));
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    @Test
    void untilTheFirstBytesArriveNothingCarriesTheTunnel() {
        assertThat(client.pipeline().names()).contains(PipelineNames.TUNNEL_INSPECTOR).doesNotContain(PipelineNames.RELAY);
        assertThat(upstream.pipeline().names()).contains(PipelineNames.TUNNEL_WATCH).doesNotContain(PipelineNames.RELAY);
    }

    @Test
    void plainHttpBecomesAnExchangeLoopAndNoRelayIsEverBuilt() {
        client.writeInbound(ascii("GET /shelf HTTP/1.1\r\nHost: " + HOST + ":443\r\n\r\n"));

        assertThat(client.pipeline().names()).containsSubsequence(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_PROXY)
                .doesNotContain(PipelineNames.TUNNEL_INSPECTOR, PipelineNames.RELAY);
        assertThat(upstream.pipeline().names()).containsSubsequence(UpstreamExchangeHandler.CODEC, UpstreamExchangeHandler.NAME)
                .doesNotContain(PipelineNames.TUNNEL_WATCH, PipelineNames.RELAY);
        assertThat(written(upstream)).startsWith("GET /shelf HTTP/1.1\r\n");

        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nshelf"));
        assertThat(written(client)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("shelf");
    }

    @Test
    void plainHttpNamingAnotherHostIsRefusedPerRequest() {
        client.writeInbound(ascii("GET / HTTP/1.1\r\nHost: other.example.test\r\n\r\n"));

        assertThat(written(client)).startsWith("HTTP/1.1 403 Forbidden (host_mismatch)\r\n");
        assertThat(written(upstream)).isEmpty();
    }

    @Test
    void aClientHelloGetsTheSniCheckInFrontOfTheRelayAndPassesForTheConnectHost() throws Exception {
        SslContext tls = SslContextBuilder.forClient().build();
        EmbeddedChannel tlsClient = new EmbeddedChannel(tls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, HOST, 443));
        ByteBuf hello = Unpooled.buffer();
        for (Object o = tlsClient.readOutbound(); o != null; o = tlsClient.readOutbound()) {
            hello.writeBytes((ByteBuf) o);
            ReferenceCountUtil.release(o);
        }
        tlsClient.finishAndReleaseAll();
        byte[] expected = new byte[hello.readableBytes()];
        hello.getBytes(hello.readerIndex(), expected);

        client.writeInbound(hello);

        assertThat(client.pipeline().names()).contains(PipelineNames.RELAY)
                .doesNotContain(PipelineNames.TUNNEL_INSPECTOR, PipelineNames.TUNNEL_SNI);
        assertThat(written(upstream).getBytes(StandardCharsets.ISO_8859_1)).as("the ClientHello, byte for byte")
                .isEqualTo(expected);
    }

    @Test
    void otherBytesGoThroughTheRelayUnchanged() {
        client.writeInbound(ascii("SSH-2.0-OpenSSH_9.2\r\n"));

        assertThat(client.pipeline().names()).contains(PipelineNames.RELAY).doesNotContain(PipelineNames.TUNNEL_INSPECTOR);
        assertThat(upstream.pipeline().names()).contains(PipelineNames.RELAY).doesNotContain(PipelineNames.TUNNEL_WATCH);
        assertThat(written(upstream)).isEqualTo("SSH-2.0-OpenSSH_9.2\r\n");
    }

    @Test
    void aServerThatSpeaksFirstMakesTheTunnelBytes() {
        upstream.writeInbound(ascii("220 mail.example.test ESMTP\r\n"));

        assertThat(client.pipeline().names()).contains(PipelineNames.RELAY).doesNotContain(PipelineNames.TUNNEL_INSPECTOR);
        assertThat(written(client)).isEqualTo("220 mail.example.test ESMTP\r\n");
        client.writeInbound(ascii("EHLO me\r\n"));
        assertThat(written(upstream)).isEqualTo("EHLO me\r\n");
    }

    @Test
    void emptyLinesAreHeldNoLongerThanARequestHeadsWorth() {
        client.writeInbound(ascii("\r\n".repeat(settings.maxHeaderBytes() / 2 + 1)));

        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(log.reason()).isEqualTo(Reason.HEADER_TOO_LARGE);
    }

    @Test
    void aTunnelThatStaysQuietUntilTheIdleTimeoutIsClosedOnBothSides() {
        client.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);

        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(log.reason()).isEqualTo(Reason.IDLE_TIMEOUT);
    }

    @Test
    void aClientThatLeavesBeforeTheKindIsKnownTakesTheUpstreamWithIt() {
        client.writeInbound(ascii("GE"));
        client.close();

        assertThat(upstream.isOpen()).isFalse();
    }
}
