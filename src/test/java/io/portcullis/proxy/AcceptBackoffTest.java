package io.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import io.portcullis.testsupport.PrometheusScrape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a listening channel does when accept fails (defect 5 of issue 11), with time under the test's control. */
class AcceptBackoffTest {
    private final GatewayMetrics metrics = new GatewayMetrics(GatewayMetrics.DEFAULT_MAX_LABEL_VALUES);
    private final List<Throwable> passedOn = new ArrayList<>();

    private EmbeddedChannel listener() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new AcceptBackoff(metrics, "explicit proxy"), new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                passedOn.add(cause);
            }
        });
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    private double failures(String cause) {
        return PrometheusScrape.parse(new String(metrics.scrape(), StandardCharsets.UTF_8),
                GatewayMetrics.contentType()).sum("portcullis_accept_failures_total", "cause", cause);
    }

    /** As Netty's native transports word EMFILE. */
    private static IOException emfile() {
        return new IOException("io_uring accept(..) failed with error(-24): Too many open files");
    }

    @Test
    void eachFailureIsCountedAndPausesAcceptingForADoublingDelay() {
        EmbeddedChannel ch = listener();
        ch.pipeline().fireExceptionCaught(emfile());
        assertThat(ch.config().isAutoRead()).as("paused").isFalse();
        advance(ch, AcceptBackoff.FIRST_PAUSE.toMillis());
        assertThat(ch.config().isAutoRead()).as("resumed after the first pause").isTrue();

        ch.pipeline().fireExceptionCaught(emfile());
        advance(ch, AcceptBackoff.FIRST_PAUSE.toMillis());
        assertThat(ch.config().isAutoRead()).as("the second pause is twice as long").isFalse();
        advance(ch, AcceptBackoff.FIRST_PAUSE.toMillis());
        assertThat(ch.config().isAutoRead()).isTrue();

        assertThat(failures("fd_limit")).isEqualTo(2);
        assertThat(passedOn).as("no failure reaches Netty's acceptor, which logs a stack trace").isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void thePauseNeverExceedsTheMaximumAndStartsOverAfterAnAccept() {
        EmbeddedChannel ch = listener();
        for (int i = 0; i < 20; i++) {
            ch.pipeline().fireExceptionCaught(emfile());
            advance(ch, AcceptBackoff.MAX_PAUSE.toMillis());
            assertThat(ch.config().isAutoRead()).as("resumed within the maximum pause, failure " + i).isTrue();
        }
        ch.writeInbound("an accepted child");
        assertThat(ch.<Object>readInbound()).isEqualTo("an accepted child");
        ch.pipeline().fireExceptionCaught(emfile());
        advance(ch, AcceptBackoff.FIRST_PAUSE.toMillis());
        assertThat(ch.config().isAutoRead()).as("back to the first pause").isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void otherFailuresAreCountedApart() {
        EmbeddedChannel ch = listener();
        ch.pipeline().fireExceptionCaught(new IOException("Connection aborted"));
        assertThat(failures("other")).isEqualTo(1);
        assertThat(failures("fd_limit")).isZero();
        assertThat(AcceptBackoff.isFdLimit(new IOException("accept", new IOException("Too many open files")))).isTrue();
        assertThat(AcceptBackoff.isFdLimit(new IOException("Too many open files in system"))).isTrue();
        ch.finishAndReleaseAll();
    }
}
