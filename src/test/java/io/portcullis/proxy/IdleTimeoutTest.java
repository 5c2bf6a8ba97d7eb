package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleTimeoutTest {
    private final List<Object> events = new ArrayList<>();

    private EmbeddedChannel channel(long timeoutMillis) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new IdleTimeout(timeoutMillis), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void firesOnceTheTimeoutPassesWithoutTraffic() {
        EmbeddedChannel ch = channel(1000);
        advance(ch, 999);
        assertThat(events).isEmpty();
        advance(ch, 1);
        assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        ch.finishAndReleaseAll();
    }

    @Test
    void readsAndFlushesPostponeIt() {
        EmbeddedChannel ch = channel(1000);
        advance(ch, 600);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        advance(ch, 600);
        assertThat(events).as("a read 600 ms ago").isEmpty();
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {2}));
        advance(ch, 900);
        assertThat(events).as("a flush 900 ms ago").isEmpty();
        advance(ch, 100);
        assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        ch.finishAndReleaseAll();
    }

    @Test
    void firesAgainIfNobodyClosesAndNeverAfterClose() {
        EmbeddedChannel ch = channel(500);
        advance(ch, 500);
        advance(ch, 500);
        assertThat(events).hasSize(2);
        ch.close();
        advance(ch, 5000);
        assertThat(events).hasSize(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void refusesANonPositiveTimeout() {
        assertThatThrownBy(() -> new IdleTimeout(0)).hasMessageContaining("must be positive");
    }
}
