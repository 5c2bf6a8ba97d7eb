package io.portcullis.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyTunnelHandlerTest {

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAutoRead(false);
        return ch;
    }

    private static Promise<Void> open(EmbeddedChannel ch) {
        Promise<Void> p = ch.eventLoop().newPromise();
        ch.pipeline().addFirst("proxy-tunnel", new ProxyTunnelHandler("api.example.test:443", "proxy.corp.test:3128",
                Duration.ofSeconds(30), p));
        return p;
    }

    @Test
    void sendsConnectAndPassesOnBytesThatArriveBehindThe200AtTheFirstRead() {
        EmbeddedChannel ch = channel();
        Promise<Void> established = open(ch);
        ByteBuf request = ch.readOutbound();
        assertThat(request.toString(StandardCharsets.US_ASCII))
                .isEqualTo("CONNECT api.example.test:443 HTTP/1.1\r\nHost: api.example.test:443\r\n\r\n");
        request.release();

        // A server that speaks first: its greeting in the same segment as the proxy's answer.
        ch.writeInbound(ascii("HTTP/1.1 200 Connection established\r\n\r\n+greeting"));
        assertThat(established.isSuccess()).isTrue();
        List<String> seen = new ArrayList<>();
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                seen.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                ((ByteBuf) msg).release();
            }
        });
        assertThat(seen).isEmpty();
        ch.read();
        assertThat(seen).containsExactly("+greeting");
        assertThat(ch.pipeline().get("proxy-tunnel")).isNull();
        ch.writeInbound(ascii("more"));
        assertThat(seen).containsExactly("+greeting", "more");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aResponseSplitAcrossReadsCompletesWithoutLeftovers() {
        EmbeddedChannel ch = channel();
        Promise<Void> established = open(ch);
        ((ByteBuf) ch.readOutbound()).release();
        ch.writeInbound(ascii("HTTP/1.0 200 OK\r\n"));
        assertThat(established.isDone()).isFalse();
        ch.writeInbound(ascii("Via: squid\r\n\r\n"));
        assertThat(established.isSuccess()).isTrue();
        assertThat(ch.pipeline().get("proxy-tunnel")).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void aNon2xxFailsAsAnUpstreamConnectFailureNamingTheStatusAndCloses() {
        EmbeddedChannel ch = channel();
        Promise<Void> established = open(ch);
        ((ByteBuf) ch.readOutbound()).release();
        ch.writeInbound(ascii("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"));
        assertThat(established.cause()).isInstanceOf(UpstreamException.class)
                .hasMessage("proxy proxy.corp.test:3128 refused CONNECT api.example.test:443: 407 Proxy Authentication"
                        + " Required");
        assertThat(((UpstreamException) established.cause()).reason()).isEqualTo(Reason.UPSTREAM_CONNECT_FAILURE);
        assertThat(ch.isActive()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void anOversizedOrGarbledAnswerIsABadUpstreamResponse() {
        EmbeddedChannel ch = channel();
        Promise<Void> established = open(ch);
        ((ByteBuf) ch.readOutbound()).release();
        ch.writeInbound(ascii("X".repeat(ProxyTunnelHandler.MAX_RESPONSE_HEAD + 1)));
        assertThat(((UpstreamException) established.cause()).reason()).isEqualTo(Reason.BAD_UPSTREAM_RESPONSE);
        ch.finishAndReleaseAll();

        EmbeddedChannel garbled = channel();
        Promise<Void> second = open(garbled);
        ((ByteBuf) garbled.readOutbound()).release();
        garbled.writeInbound(ascii("SSH-2.0-OpenSSH\r\n\r\n"));
        assertThat(second.cause()).hasMessageContaining("with no HTTP status line");
        garbled.finishAndReleaseAll();
    }

    @Test
    void aProxyThatClosesBeforeAnsweringFails() {
        EmbeddedChannel ch = channel();
        Promise<Void> established = open(ch);
        ((ByteBuf) ch.readOutbound()).release();
        ch.close();
        assertThat(established.cause()).hasMessage("proxy proxy.corp.test:3128 closed the connection before answering"
                + " CONNECT api.example.test:443");
        ch.finishAndReleaseAll();
    }
}
