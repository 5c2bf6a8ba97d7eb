package io.portcullis.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP reopens the access-log file, as logrotate's {@code postrotate kill -HUP} expects.
 * {@code sun.misc.Signal} (module jdk.unsupported) is the JDK's only way to catch a signal; the
 * handler runs on the JVM's signal thread and only sets a flag the log writer reads.
 */
final class ReopenOnHangup {
    private static final Logger LOG = LoggerFactory.getLogger(ReopenOnHangup.class);

    private ReopenOnHangup() {
    }

    static void install(Runnable reopen) {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                LOG.info("SIGHUP: reopening the access log");
                reopen.run();
            });
        } catch (IllegalArgumentException e) {
            // The JVM was started with -Xrs or the platform has no SIGHUP: logrotate must use copytruncate.
            LOG.warn("cannot handle SIGHUP ({}); the access log will not be reopened on rotation", e.getMessage());
        }
    }
}
