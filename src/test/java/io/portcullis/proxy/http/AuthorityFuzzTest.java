package io.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.policy.HostCanonicalizer;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of what the HTTP listeners read from a request head before any policy
 * sees it: Netty's request decoder with the gateway's limits, then the CONNECT authority, the
 * absolute-URI authority and the Host header, canonicalised by {@link HostCanonicalizer}. The
 * documented rejections are a decoder failure, {@link IllegalArgumentException} and
 * {@link HostHeaders.Refused}; anything else is a finding. An accepted authority is a fixed
 * point: printing and parsing it again gives it back, so two spellings can never be judged twice.
 */
class AuthorityFuzzTest {
    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER = 65_536;

    @FuzzTest(maxDuration = "60s")
    void requestHead(byte[] input) {
        HeadChecker checker = new HeadChecker();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER, 8192), checker);
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(input));
            channel.checkException();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void authority(byte[] input) {
        // As Netty hands a head to us: one char per byte.
        String wire = new String(input, StandardCharsets.ISO_8859_1);
        checkAuthority(wire, -1);
        checkAuthority(wire, 80);
        try {
            String canonical = HostCanonicalizer.canonical(Authority.utf8(wire));
            String again = canonical.indexOf(':') >= 0 ? "[" + canonical + "]" : canonical;
            assertThat(HostCanonicalizer.canonical(again)).as("canonical form of %s", canonical).isEqualTo(canonical);
            byte[] literal = HostCanonicalizer.literal(canonical);
            if (literal != null) {
                assertThat(HostCanonicalizer.format(literal)).isEqualTo(canonical);
            }
        } catch (IllegalArgumentException refused) {
            // the documented refusal
        }
    }

    private static void checkAuthority(String wire, int defaultPort) {
        Authority a;
        try {
            a = Authority.fromWire(wire, defaultPort);
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertThat(a.port()).isBetween(1, 65535);
        Authority again = Authority.parse(a.toString(), -1);
        assertThat(again).as("%s parsed again", a).isEqualTo(a);
        assertThat(Authority.parse(a.hostHeader(defaultPort < 0 ? 0 : defaultPort), a.port())).isEqualTo(a);
    }

    /** What the routers do with a decoded head, minus the policy. */
    private static final class HeadChecker extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
                    check(request);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void check(HttpRequest request) {
            try {
                Authority target;
                if (HttpMethod.CONNECT.equals(request.method())) {
                    target = Authority.fromWire(request.uri(), -1);
                } else {
                    target = HostHeaders.absoluteFormAuthority(request.uri(), 80);
                }
                if (target != null) {
                    checkAuthority(target.toString(), -1);
                    HostHeaders.requireMatch(request, target, "authority");
                } else {
                    String host = HostHeaders.single(request);
                    if (host != null) {
                        checkAuthority(HostHeaders.parse(host, 80).toString(), -1);
                    }
                }
            } catch (IllegalArgumentException | HostHeaders.Refused refused) {
                // the documented refusals: 400 or 403 with a reason
            }
        }
    }
}
