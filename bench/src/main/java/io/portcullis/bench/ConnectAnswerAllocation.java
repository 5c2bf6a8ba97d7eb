package io.portcullis.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Bytes allocated per CONNECT answer ({@code bench/PER-CONNECTION.md}): the old way (a response
 * encoder swapped in for the codec, a response object, the encoder removed) against the
 * pre-encoded bytes of {@code ConnectTunnel}, less what a bare channel with a codec costs.
 */
public final class ConnectAnswerAllocation {
    static final ByteBuf ESTABLISHED = Unpooled.unreleasableBuffer(Unpooled.directBuffer(39)
            .writeBytes("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).asReadOnly();
    static volatile Object sink;
    interface Step { void run(EmbeddedChannel ch); }
    public static void main(String[] a) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Step base = ch -> { };
        Step old = ch -> {
            ch.pipeline().replace("codec", "codec", new HttpResponseEncoder());
            ch.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, new HttpResponseStatus(200, "Connection established")));
            ch.pipeline().remove("codec");
        };
        Step now = ch -> {
            ch.pipeline().remove("codec");
            ch.writeAndFlush(ESTABLISHED.retainedDuplicate());
        };
        for (int round = 0; round < 6; round++) {
            long[] r = new long[3];
            Step[] steps = {base, old, now};
            for (int s = 0; s < 3; s++) {
                int n = 50_000;
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    EmbeddedChannel ch = new EmbeddedChannel();
                    ch.pipeline().addLast("codec", new HttpServerCodec());
                    steps[s].run(ch);
                    for (Object m; (m = ch.readOutbound()) != null; ) {
                        io.netty.util.ReferenceCountUtil.release(m);
                    }
                    sink = ch;
                }
                r[s] = (mx.getCurrentThreadAllocatedBytes() - before) / n;
            }
            if (round >= 3) System.out.printf("old %d B, pre-encoded %d B per CONNECT answer (channel baseline %d B subtracted)%n", r[1] - r[0], r[2] - r[0], r[0]);
        }
    }
}
