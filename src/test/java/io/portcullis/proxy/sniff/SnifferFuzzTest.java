package io.portcullis.proxy.sniff;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing of the MongoDB, MySQL and Redis sniffers on conversations of up to
 * eight turns. A sniffer must never disturb the relay: it leaves every buffer as it found it,
 * reports the same whatever the TCP segmentation (each turn whole, and split at a fuzzed byte),
 * and stops on bytes it does not understand without a parser error (an exception other than its
 * own "unparsable", which {@link StreamSniffer} logs as a warning).
 */
class SnifferFuzzTest {
    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    private final Logger streamSnifferLog = (Logger) LoggerFactory.getLogger(StreamSniffer.class);

    @BeforeEach
    void watchParserErrors() {
        warnings.start();
        streamSnifferLog.addAppender(warnings);
    }

    @AfterEach
    void stopWatching() {
        streamSnifferLog.detachAppender(warnings);
    }

    @FuzzTest(maxDuration = "60s")
    void mongo(FuzzedDataProvider data) {
        conversation(data, s -> new MongoWireSniffer(s.mongo()));
    }

    @FuzzTest(maxDuration = "60s")
    void mysql(FuzzedDataProvider data) {
        conversation(data, s -> new MysqlSniffer(s.mysql()));
    }

    @FuzzTest(maxDuration = "60s")
    void redis(FuzzedDataProvider data) {
        conversation(data, s -> new RespSniffer(s.redis()));
    }

    private void conversation(FuzzedDataProvider data, Function<RecordingStats, ProtocolSniffer> factory) {
        int count = data.consumeInt(1, 8);
        int splitTurn = data.consumeInt(0, count - 1);
        int splitAt = data.consumeInt(1, 4096);
        List<SnifferHarness.Turn> turns = new ArrayList<>();
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            boolean fromClient = i == 0 || data.consumeBoolean();
            byte[] bytes = i == count - 1 ? data.consumeRemainingAsBytes() : data.consumeBytes(data.consumeInt(1, 4096));
            turns.add(new SnifferHarness.Turn(fromClient, bytes));
        }
        SnifferHarness.Turn[] all = turns.toArray(SnifferHarness.Turn[]::new);
        List<String> whole = SnifferHarness.feed(factory, all, -1, -1);
        if (splitTurn < all.length && splitAt < all[splitTurn].bytes().length) {
            assertThat(SnifferHarness.feed(factory, all, splitTurn, splitAt))
                    .as("turn %d split at byte %d", splitTurn, splitAt).isEqualTo(whole);
        }
        assertThat(warnings.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage).as("parser errors").isEmpty();
    }
}
