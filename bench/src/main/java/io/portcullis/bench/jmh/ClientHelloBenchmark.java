package io.portcullis.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Peeking the SNI of a real ClientHello (made by BoringSSL for {@code api.eu-west.zone-1.example.net})
 * through Netty's {@code SslClientHelloHandler}/{@code AbstractSniHandler} path, the base of
 * Portcullis's {@code SniInspector}: in one piece, and split over two reads as a ClientHello
 * may arrive. Each operation is a fresh channel and handler, as each connection gets.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClientHelloBenchmark {
    static final String SNI = "api.eu-west.zone-1.example.net";

    private byte[] hello;

    @Setup(Level.Trial)
    public void makeClientHello() throws Exception {
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).build();
        EmbeddedChannel ch = new EmbeddedChannel(client.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, SNI, 443));
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            out.writeBytes(b);
            b.release();
        }
        hello = new byte[out.readableBytes()];
        out.readBytes(hello);
        out.release();
        ch.finishAndReleaseAll();
        if (!SNI.equals(peek(false))) {
            throw new IllegalStateException("the SNI was not found in the ClientHello");
        }
    }

    @Benchmark
    public String peekWhole() {
        return peek(false);
    }

    @Benchmark
    public String peekInTwoReads() {
        return peek(true);
    }

    private String peek(boolean split) {
        SniCapture capture = new SniCapture();
        EmbeddedChannel ch = new EmbeddedChannel(capture);
        if (split) {
            int half = hello.length / 2;
            ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, half));
            ch.writeInbound(Unpooled.wrappedBuffer(hello, half, hello.length - half));
        } else {
            ch.writeInbound(Unpooled.wrappedBuffer(hello));
        }
        ch.finishAndReleaseAll();
        return capture.sni;
    }

    /** Records the SNI and lets the bytes through, as SniInspector does once it has decided. */
    private static final class SniCapture extends AbstractSniHandler<String> {
        String sni;

        SniCapture() {
            super(16 * 1024, 0L);
        }

        @Override
        protected Future<String> lookup(ChannelHandlerContext ctx, String hostname) {
            sni = hostname;
            return ctx.executor().newSucceededFuture(hostname);
        }

        @Override
        protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<String> future) {
            ctx.pipeline().remove(this);
        }
    }
}
