package io.portcullis.proxy.http;

import io.portcullis.policy.Admission;
import io.portcullis.policy.Facts;
import io.portcullis.policy.HostPort;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.Verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.proxy.UpstreamException;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.telemetry.ConnectionLog;
import io.portcullis.telemetry.ConnectionRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP exchange loop in process: a client {@link EmbeddedChannel} with the listener's
 * {@code HttpServerCodec} and the loop, upstream connections that are {@link EmbeddedChannel}s
 * with the real upstream codec ({@link EmbeddedUpstreams}), and a real policy deciding. The loop
 * here is the host-routed one (the HTTP inside a CONNECT tunnel to books.example.test:80); the
 * explicit proxy and the Gateway server share every part tested here.
 */
class HttpExchangeLoopTest {
    private static final String HOST = "books.example.test";
    private static final EgressPolicy POLICY = compile("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: books}
            spec:
              hosts: [books.example.test]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            """);

    private final ProxySettings settings = ProxySettings.defaults(InetAddress.getLoopbackAddress());
    private final ConnectionLog log = new ConnectionLog("test", new InetSocketAddress("127.0.0.1", 40000));
    private final List<ConnectionRecord> lines = new ArrayList<>();
    private final EmbeddedUpstreams upstreams = new EmbeddedUpstreams();
    private final EmbeddedChannel client = new EmbeddedChannel();

    HttpExchangeLoopTest() {
        log.exchangesTo(lines::add);
        Verdict.Forward tunnel = (Verdict.Forward) Admission.admit(POLICY, Facts.of(ListenerKind.EXPLICIT_CONNECT, 80)
                .authority(HostPort.ofName(HOST, 80)).build());
        RequestRouter router = new TunnelHttpRouter(tunnel, new Authority(HOST, 80, null), client, POLICY, log);
        client.pipeline().addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(8 * 1024, settings.maxHeaderBytes(), 64 * 1024));
        client.pipeline().addLast(PipelineNames.HTTP_PROXY, HttpExchangeLoop.hostRouted(router, upstreams, settings, log));
    }

    @AfterEach
    void releaseEverything() {
        client.finishAndReleaseAll();
        upstreams.closeAll();
    }

    private static EgressPolicy compile(String yaml) {
        LoadResult result = FolderLoader.fromFiles(Map.of("config.yaml", yaml));
        assertThat(result.errors()).as("errors").isEmpty();
        return EgressPolicy.compile(result.resources(), OutboundPolicy.REGISTRY_ONLY);
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Everything written to {@code ch} so far, as text. */
    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            sb.append(o instanceof ByteBuf b ? b.toString(StandardCharsets.ISO_8859_1) : String.valueOf(o));
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void pipelinedRequestsGoUpstreamOneAtATimeAndAreAnsweredInOrder() {
        client.writeInbound(ascii(get("/a") + get("/b")));

        EmbeddedChannel up = upstreams.only();
        String first = written(up);
        assertThat(first).startsWith("GET /a HTTP/1.1\r\n").doesNotContain("/b");
        // The second request waits, in order, with reading paused: memory stays bounded.
        assertThat(client.config().isAutoRead()).isFalse();

        up.writeInbound(ascii(ok("first")));
        assertThat(written(up)).as("the second request follows on the kept-alive connection")
                .startsWith("GET /b HTTP/1.1\r\n");
        up.writeInbound(ascii(ok("second")));

        String answers = written(client);
        assertThat(answers.indexOf("first")).isPositive().isLessThan(answers.indexOf("second"));
        assertThat(client.isOpen()).isTrue();
        assertThat(client.config().isAutoRead()).isTrue();
        assertThat(lines).extracting(ConnectionRecord::path, ConnectionRecord::responseCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/a", 200), org.assertj.core.groups.Tuple.tuple("/b", 200));
    }

    @Test
    void aClientThatCannotTakeMoreOfTheResponsePausesTheUpstreamUntilItDrains() {
        client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        client.writeInbound(ascii(get("/big")));
        EmbeddedChannel up = upstreams.only();
        written(up);

        // One read from the upstream, its batch not ended: nothing has flushed the client yet.
        up.writeOneInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n" + "x".repeat(100)));
        assertThat(client.isWritable()).isFalse();
        assertThat(up.config().isAutoRead()).as("upstream paused while the client is full").isFalse();

        client.flush();
        assertThat(up.config().isAutoRead()).as("upstream resumed once the client drained").isTrue();
        up.writeInbound(ascii("y".repeat(100)));
        assertThat(written(client)).contains("x".repeat(100)).endsWith("y".repeat(100));
    }

    @Test
    void aRequestBodyTheUpstreamCannotTakePausesTheClientUntilItDrains() {
        client.writeOneInbound(ascii("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 100\r\n\r\n"));
        EmbeddedChannel up = upstreams.only();
        up.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));

        client.writeOneInbound(ascii("z".repeat(50)));
        assertThat(up.isWritable()).isFalse();
        assertThat(client.config().isAutoRead()).as("client paused while the upstream is full").isFalse();

        up.flush();
        assertThat(client.config().isAutoRead()).as("client resumed once the upstream drained").isTrue();
        client.writeInbound(ascii("z".repeat(50)));
        assertThat(written(up)).startsWith("POST /upload HTTP/1.1\r\n").endsWith("z".repeat(100));
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
        "GET / HTTP/1.1\\r\\nHost: other.example.test\\r\\n\\r\\n | 403 Forbidden (host_mismatch) | host_mismatch",
        "POST / HTTP/1.1\\r\\nHost: books.example.test\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n"
                + " | 400 Bad Request (ambiguous_framing) | ambiguous_framing",
        "GET / HTTP/1.1\\r\\n\\r\\n | 400 Bad Request (bad_request) | bad_request",
        "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n | 505 HTTP Version Not Supported (unsupported_http_version)"
                + " | unsupported_http_version",
    })
    void refusalsAreAnsweredWithTheReasonInStatusLineHeaderAndBodyThenClosed(String request, String status, String reason) {
        client.writeInbound(ascii(request.strip().replace("\\r\\n", "\r\n")));

        String answer = written(client);
        assertThat(answer).startsWith("HTTP/1.1 " + status + "\r\n")
                .containsIgnoringCase("x-portcullis-reason: " + reason + "\r\n")
                .containsIgnoringCase("connection: close\r\n")
                .contains("\r\n\r\n" + reason + ": ");
        assertThat(client.isOpen()).isFalse();
        assertThat(upstreams.opened).as("nothing went upstream").isEmpty();
        assertThat(log.reason().code()).isEqualTo(reason);
    }

    @Test
    void anUpstreamThatCannotBeConnectedIsA503WithItsReason() {
        upstreams.failNextConnect(new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "connection refused by 192.0.2.1:80"));
        client.writeInbound(ascii(get("/")));

        assertThat(written(client)).startsWith("HTTP/1.1 503 Service Unavailable (upstream_connect_failure)\r\n")
                .contains("connection refused by 192.0.2.1:80");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void anUpstreamThatClosesBeforeAnsweringIsA502AndNotRetriedOnAFreshConnection() {
        client.writeInbound(ascii(get("/")));
        upstreams.only().close();

        assertThat(written(client)).startsWith("HTTP/1.1 502 Bad Gateway (upstream_reset)\r\n");
        assertThat(upstreams.opened).hasSize(1);
    }

    @Test
    void aBodilessRequestOnAStaleKeptAliveConnectionIsSentOnceMoreOnAFreshOne() {
        client.writeInbound(ascii(get("/one")));
        EmbeddedChannel stale = upstreams.only();
        written(stale);
        stale.writeInbound(ascii(ok("one")));

        client.writeInbound(ascii(get("/two")));
        assertThat(written(stale)).startsWith("GET /two ");
        stale.close();

        assertThat(upstreams.opened).hasSize(2);
        EmbeddedChannel fresh = upstreams.opened.get(1);
        assertThat(written(fresh)).startsWith("GET /two HTTP/1.1\r\n");
        fresh.writeInbound(ascii(ok("two")));
        assertThat(written(client)).contains("one").endsWith("two");
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void anHttp10ClientThatAsksForKeepAliveIsToldItHasItAndGetsOurVersion() {
        client.writeInbound(ascii("GET /a HTTP/1.0\r\nHost: " + HOST + "\r\nConnection: keep-alive\r\n\r\n"));
        EmbeddedChannel up = upstreams.only();
        written(up);
        up.writeInbound(ascii("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"));

        String answer = written(client);
        assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("connection: keep-alive\r\n")
                .doesNotContainIgnoringCase("transfer-encoding");
        assertThat(client.isOpen()).isTrue();

        client.writeInbound(ascii("GET /b HTTP/1.0\r\nHost: " + HOST + "\r\n\r\n"));
        written(up);
        up.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"));
        String second = written(client);
        assertThat(second).as("a 1.0 client knows no chunked framing: the body ends with the connection")
                .startsWith("HTTP/1.1 200 OK\r\n").doesNotContainIgnoringCase("transfer-encoding").endsWith("hi");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void a101SwitchesBothConnectionsToAByteRelayAndIsLoggedAs101() {
        client.writeInbound(ascii("GET /chat HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        EmbeddedChannel up = upstreams.only();
        assertThat(written(up)).containsIgnoringCase("upgrade: websocket");

        up.writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
        assertThat(written(client)).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
        assertThat(client.pipeline().names()).contains(PipelineNames.RELAY)
                .doesNotContain(PipelineNames.HTTP_CODEC, PipelineNames.HTTP_PROXY);
        assertThat(up.pipeline().names()).contains(PipelineNames.RELAY)
                .doesNotContain(UpstreamExchangeHandler.CODEC, UpstreamExchangeHandler.NAME);
        assertThat(log.snapshot().responseCode()).isEqualTo(101);

        client.writeInbound(ascii("\u0081\u0002hi"));
        assertThat(written(up)).isEqualTo("\u0081\u0002hi");
        up.writeInbound(ascii("\u0081\u0003bye"));
        assertThat(written(client)).isEqualTo("\u0081\u0003bye");
    }

    @Test
    void a101ToARequestThatAskedForNoUpgradeIsABadUpstreamResponse() {
        client.writeInbound(ascii(get("/")));
        upstreams.only().writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"));

        assertThat(written(client)).startsWith("HTTP/1.1 502 Bad Gateway (bad_upstream_response)\r\n");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aClientThatSendsNoRequestHeadInTimeGets408() {
        client.advanceTimeBy(settings.inspectTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertThat(written(client)).startsWith("HTTP/1.1 408 Request Timeout (inspect_timeout)\r\n");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aClientThatEndsItsInputWhileNoAnswerStartsIsTakenAsGoneAfterTheInspectTimeout() {
        client.writeInbound(ascii(get("/slow")));
        EmbeddedChannel up = upstreams.only();
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(client.isOpen()).as("a half-closed client may still read its answer").isTrue();

        client.advanceTimeBy(settings.inspectTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(up.isOpen()).as("the upstream is closed, not pooled").isFalse();
        assertThat(log.reason()).isEqualTo(Reason.CLIENT_CLOSED);
    }

    @Test
    void anUnexpectedExceptionIsRecordedWithItsReasonAndClosesTheConnection() {
        client.pipeline().fireExceptionCaught(new IllegalStateException("a bug in a handler"));

        assertThat(client.isOpen()).isFalse();
        assertThat(log.reason()).isEqualTo(Reason.INTERNAL_ERROR);
        assertThat(log.snapshot().message()).contains("a bug in a handler");
    }

    @Test
    void aResetDuringAnExchangeIsRecordedAsTheClientsWithTheUpstreamNamed() {
        client.writeInbound(ascii(get("/")));
        EmbeddedChannel up = upstreams.only();
        client.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

        assertThat(client.isOpen()).isFalse();
        assertThat(up.isOpen()).isFalse();
        assertThat(log.reason()).isEqualTo(Reason.CLIENT_RESET);
        assertThat(log.snapshot().message()).contains(HOST).contains("Connection reset by peer");
    }

    @Test
    void aConnectWhereNoTunnelsAreServedIsABadRequest() {
        EmbeddedChannel gateway = new EmbeddedChannel();
        gateway.pipeline().addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec());
        gateway.pipeline().addLast(PipelineNames.HTTP_PROXY, HttpExchangeLoop.hostRouted(
                new ExplicitProxyRouter(gateway, POLICY, log), upstreams, settings, log));
        gateway.writeInbound(ascii("CONNECT " + HOST + ":80 HTTP/1.1\r\nHost: " + HOST + ":80\r\n\r\n"));

        assertThat(written(gateway)).startsWith("HTTP/1.1 400 Bad Request (bad_request)\r\n")
                .contains("CONNECT is not served here");
        assertThat(gateway.isOpen()).isFalse();
        gateway.finishAndReleaseAll();
    }
}
