package io.portcullis.testsupport;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Logback appender (see logback-test.xml) that keeps every Netty {@code LEAK:} report for {@link LeakCheckExtension}. */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {
    static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        if (message != null && message.contains("LEAK:")) {
            LEAKS.add(message);
        }
    }
}
