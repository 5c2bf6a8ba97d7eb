package io.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Future;
import io.portcullis.telemetry.ConnectionLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the ClientHello peek (Netty's {@code AbstractSniHandler} parser
 * under {@link ClientHelloPeek}'s bounds), fed in one to four reads. Whatever the bytes, the peek
 * ends one of three ways and never throws past itself, with or without the client's FIN after its
 * bytes: it decides (and then replays every byte it held, in order), it refuses with a recorded
 * reason and closes, or it is still waiting for more.
 * {@code mvn verify} replays the committed corpus ({@code ClientHelloPeekFuzzTestInputs});
 * {@code bench/fuzz} explores.
 */
class ClientHelloPeekFuzzTest {
    private static final int MAX_CLIENT_HELLO = 16_384;

    @FuzzTest(maxDuration = "60s")
    void clientHello(FuzzedDataProvider data) {
        int reads = data.consumeInt(1, 4);
        boolean halfClose = data.consumeBoolean();
        int[] cuts = new int[reads - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(0, 20_000);
        }
        byte[] input = data.consumeRemainingAsBytes();
        ConnectionLog log = new ConnectionLog("fuzz", new InetSocketAddress("127.0.0.1", 1));
        RecordingPeek peek = new RecordingPeek(log);
        EmbeddedChannel channel = new EmbeddedChannel(peek);
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length && channel.isOpen(); i++) {
                int to = i < cuts.length ? Math.min(input.length, from + cuts[i]) : input.length;
                channel.writeInbound(Unpooled.wrappedBuffer(input, from, to - from));
                from = to;
            }
            if (halfClose && channel.isOpen()) {
                // The client's FIN after its bytes (a half-close, or the end of a dropped connection).
                channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                channel.runPendingTasks();
            }
            channel.checkException();
            if (peek.decided != null) {
                assertThat(channel.isOpen()).isTrue();
                assertThat(drain(channel)).as("bytes replayed after the decision").isEqualTo(input);
                peek.decided.ifPresent(sni -> assertThat(sni).isNotBlank());
            } else if (!channel.isOpen()) {
                assertThat(log.reason()).as("a closed peek says why").isNotNull();
            } else {
                assertThat(drain(channel)).as("nothing passes before a decision").isEmpty();
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /** Finding: a server_name entry of length zero reached the policy as the host "" instead of "no SNI". */
    @Test
    void anEmptyServerNameIsNoServerName() throws IOException {
        byte[] hello;
        try (InputStream in = getClass().getResourceAsStream(
                "ClientHelloPeekFuzzTestInputs/clientHello/finding-empty-server-name")) {
            hello = in.readAllBytes();
        }
        ConnectionLog log = new ConnectionLog("fuzz", new InetSocketAddress("127.0.0.1", 1));
        RecordingPeek peek = new RecordingPeek(log);
        EmbeddedChannel channel = new EmbeddedChannel(peek);
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(hello, 0, hello.length - 2)); // the last two: the fuzzer's choices
            assertThat(peek.decided).isEqualTo(Optional.empty());
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b = channel.readInbound(); b != null; b = channel.readInbound()) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** A peek that accepts every SNI (and none) and then steps aside, as SniInspector's relay hand-over does. */
    private static final class RecordingPeek extends ClientHelloPeek<String> {
        Optional<String> decided;

        RecordingPeek(ConnectionLog log) {
            super(MAX_CLIENT_HELLO, 10_000, "ClientHello", log, true);
        }

        @Override
        protected Future<String> decide(ChannelHandlerContext ctx, String sni) {
            return ctx.executor().newSucceededFuture(sni);
        }

        @Override
        protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<String> future) {
            decided = Optional.ofNullable(future.getNow());
            ctx.pipeline().remove(this);
        }
    }
}
