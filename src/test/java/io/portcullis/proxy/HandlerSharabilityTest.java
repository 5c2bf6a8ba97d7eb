package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelPipelineException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.portcullis.telemetry.ConnectionLog;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-connection handlers answer {@code isSharable()} themselves (Netty's own answer is a
 * per-class annotation lookup in a thread-local {@code WeakHashMap} on every pipeline add): the
 * same answer as the annotation, so Netty still refuses to add one instance to two pipelines.
 */
class HandlerSharabilityTest {

    private static List<ChannelHandlerAdapter> handlers() {
        ConnectionLog log = new ConnectionLog("tcp_5432", new InetSocketAddress("127.0.0.1", 40000));
        return List.of(new IdleTimeout(60_000), new ReadHold(), new RelayHandler(new EmbeddedChannel(), log, true));
    }

    @Test
    void theyAnswerAsTheirAnnotationWould() {
        for (ChannelHandlerAdapter h : handlers()) {
            assertThat(h.isSharable()).as(h.getClass().getSimpleName())
                    .isEqualTo(h.getClass().isAnnotationPresent(ChannelHandler.Sharable.class))
                    .isFalse();
        }
    }

    @Test
    void oneInstanceIsStillRefusedInASecondPipeline() {
        for (ChannelHandlerAdapter h : handlers()) {
            EmbeddedChannel first = new EmbeddedChannel();
            first.pipeline().addLast(h);
            EmbeddedChannel second = new EmbeddedChannel();
            assertThatThrownBy(() -> second.pipeline().addLast(h))
                    .isInstanceOf(ChannelPipelineException.class)
                    .hasMessageContaining("is not a @Sharable handler");
            first.finishAndReleaseAll();
            second.finishAndReleaseAll();
        }
    }
}
