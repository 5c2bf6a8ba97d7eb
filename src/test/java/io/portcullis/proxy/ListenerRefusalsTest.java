package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.OutboundPolicy;
import io.portcullis.policy.PrivateAddressGuard;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.dns.DnsOptions;
import io.portcullis.proxy.dns.UpstreamResolver;
import io.portcullis.proxy.tcp.TcpRouteHandler;
import io.portcullis.proxy.tls.SniInspector;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import io.portcullis.telemetry.ConnectionLog;
import io.portcullis.telemetry.ConnectionRecord;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS passthrough and TCP listeners' refusals on an {@link EmbeddedChannel}: facts in,
 * {@code Admission.admit}'s verdict out, recorded once in the connection's log, and told to a TLS
 * client as the fatal alert that fits (a real ClientHello, made by Netty's own TLS client).
 */
class ListenerRefusalsTest {
    private static final String DENY_MONGO = """
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: no-mongo, namespace: istio-system}
            spec:
              action: DENY
              rules: [{to: [{operation: {hosts: [mongo.example.test]}}]}]
            """;

    private static UpstreamResolver resolver;
    private static ForwardExecutor executor;

    @BeforeAll
    static void executor() throws IOException {
        Transport transport = Transport.best();
        resolver = new UpstreamResolver(transport, DnsOptions.system(), null);
        ProxySettings settings = ProxySettings.defaults(InetAddress.getLoopbackAddress());
        executor = ForwardExecutor.gateway(new UpstreamConnector(transport, resolver, settings, PrivateAddressGuard.STRICT,
                new OwnListeners(), new GatewayMetrics(GatewayMetrics.DEFAULT_MAX_LABEL_VALUES)), resolver,
                settings.connectTimeout());
    }

    @AfterAll
    static void close() {
        resolver.close();
    }

    @Test
    void aNameOutsideTheGatewayHostsIsAnsweredUnrecognizedName() throws Exception {
        EgressPolicy p = policy("");
        ConnectionLog log = log();
        EmbeddedChannel ch = sni(p, log);
        ch.writeInbound(clientHello("evil.test"));
        assertThat(alert(ch)).containsExactly(21, 3, 3, 0, 2, 2, 112);
        assertThat(ch.isOpen()).isFalse();
        ConnectionRecord r = log.close();
        assertThat(r.reason()).isEqualTo(Reason.NOT_GATEWAY_HOST);
        assertThat(r.serverName()).isEqualTo("evil.test");
        assertThat(r.destination().cluster()).isEqualTo("BlackHoleCluster");
        assertThat(r.destination().service()).isEqualTo("evil.test");
        ch.finishAndReleaseAll();
    }

    @Test
    void anAuthorizationRefusalIsAnsweredAccessDeniedAndNamesThePolicy() throws Exception {
        EgressPolicy p = policy(DENY_MONGO);
        ConnectionLog log = log();
        EmbeddedChannel ch = sni(p, log);
        ch.writeInbound(clientHello("mongo.example.test"));
        assertThat(alert(ch)).containsExactly(21, 3, 3, 0, 2, 2, 49);
        assertThat(ch.<Object>readInbound()).as("nothing reaches an upstream").isNull();
        ConnectionRecord r = log.close();
        assertThat(r.reason()).isEqualTo(Reason.AUTHZ_DENIED);
        assertThat(r.resource()).hasToString("AuthorizationPolicy/istio-system/no-mongo");
        assertThat(r.destination().service()).isEqualTo("mongo.example.test");
        ch.finishAndReleaseAll();
    }

    @Test
    void aTcpListenerWithoutARouteClosesWithItsReason() throws Exception {
        LoadResult r = FolderLoader.fromFiles(Map.of("gw.yaml", """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  servers:
                  - port: {number: 9000, name: tcp, protocol: TCP}
                    hosts: ["*"]
                """));
        EgressPolicy p = EgressPolicy.compile(r.resources(), OutboundPolicy.REGISTRY_ONLY);
        ConnectionLog log = log();
        EmbeddedChannel ch = new EmbeddedChannel(new TcpRouteHandler(p, p.listener(9000), executor, log));
        assertThat(ch.isOpen()).isFalse();
        ConnectionRecord record = log.close();
        assertThat(record.reason()).isEqualTo(Reason.NO_ROUTE);
        assertThat(record.message()).isEqualTo("no VirtualService tcp route is bound to the Gateway on port 9000");
        ch.finishAndReleaseAll();
    }

    private static EmbeddedChannel sni(EgressPolicy p, ConnectionLog log) {
        return new EmbeddedChannel(new SniInspector(16 * 1024, 10_000, p, p.listener(443), executor, log));
    }

    private static ConnectionLog log() {
        return new ConnectionLog("tls_443", new InetSocketAddress("127.0.0.1", 40000));
    }

    private static byte[] alert(EmbeddedChannel ch) {
        ByteBuf alert = ch.readOutbound();
        assertThat(alert).as("a fatal alert before the close").isNotNull();
        byte[] bytes = ByteBufUtil.getBytes(alert);
        alert.release();
        return bytes;
    }

    private static EgressPolicy policy(String extra) throws IOException {
        LoadResult r = FolderLoader.fromFiles(Map.of("mongo.yaml", Files.readString(Path.of("examples/articles",
                "09-mongo-tls-via-egress-gateway-passthrough.yaml")) + extra));
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
}
