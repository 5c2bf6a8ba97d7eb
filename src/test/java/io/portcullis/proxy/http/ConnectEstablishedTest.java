package io.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The pre-encoded {@code 200 Connection established}: the bytes Netty's encoder wrote for the
 * response object it replaces, shared by every tunnel without being used up or released.
 * (The bytes on a real socket: {@code SelfConnectionEndToEndTest}; the error answers when the
 * connect fails: {@code RefusalReasonPhraseEndToEndTest}, {@code Ipv6LiteralsEndToEndTest}.)
 */
class ConnectEstablishedTest {

    @Test
    void theBytesAreWhatTheEncoderWroteForTheResponseObject() {
        EmbeddedChannel encoder = new EmbeddedChannel(new HttpResponseEncoder());
        encoder.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                new HttpResponseStatus(200, "Connection established")));
        ByteBuf encoded = Unread.all(encoder);

        assertThat(ByteBufUtil.getBytes(ConnectTunnel.ESTABLISHED)).isEqualTo(ByteBufUtil.getBytes(encoded))
                .isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        encoded.release();
        encoder.finishAndReleaseAll();
    }

    @Test
    void everyTunnelWritesItsOwnViewAndTheSharedBytesStayWhole() {
        EmbeddedChannel client = new EmbeddedChannel();
        for (int i = 0; i < 3; i++) {
            client.writeOutbound(ConnectTunnel.ESTABLISHED.retainedDuplicate());
            ByteBuf sent = client.readOutbound();
            assertThat(sent.toString(StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
            sent.skipBytes(sent.readableBytes());
            sent.release();
        }
        assertThat(ConnectTunnel.ESTABLISHED.readableBytes()).isEqualTo(39);
        assertThat(ConnectTunnel.ESTABLISHED.isReadOnly()).isTrue();
        assertThat(ConnectTunnel.ESTABLISHED.refCnt()).isEqualTo(1);
        assertThat(client.finishAndReleaseAll()).isFalse();
    }

    /** The encoder may write the head and the (empty) body as separate buffers: joined here. */
    private static final class Unread {
        static ByteBuf all(EmbeddedChannel ch) {
            ByteBuf out = io.netty.buffer.Unpooled.buffer();
            for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
                out.writeBytes(b);
                b.release();
            }
            return out;
        }
    }
}
