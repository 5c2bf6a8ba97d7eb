package io.portcullis.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.telemetry.metrics.GatewayMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a listening channel, in front of Netty's acceptor: what to do when {@code accept(2)} fails,
 * mostly because the process has reached its open-file limit ({@code EMFILE}, RLIMIT_NOFILE) or
 * the system its file table ({@code ENFILE}). The connections stay queued in the kernel, so
 * retrying at once fails again at once: a tight loop of stack traces (worst on io_uring, where
 * Netty re-arms a failed multishot accept at once; {@link Transport} turns those off). Instead
 * each failure is counted ({@code portcullis_accept_failures_total}), accepting pauses for a
 * delay that doubles from
 * {@link #FIRST_PAUSE} up to {@link #MAX_PAUSE} while failures go on and starts over after an
 * accept succeeds, and one line per {@link #LOG_INTERVAL} says what happened and names the limit.
 * One instance per listener; runs on the listener's event loop.
 */
public final class AcceptBackoff extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AcceptBackoff.class);
    static final Duration FIRST_PAUSE = Duration.ofMillis(10);
    static final Duration MAX_PAUSE = Duration.ofSeconds(1);
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final GatewayMetrics metrics;
    private final String listener;
    private long pauseMillis = FIRST_PAUSE.toMillis();
    private boolean paused;
    private long lastLogNanos;
    private boolean logged;
    private int unlogged;

    /** @param listener names the listener in the log line ("explicit proxy", "Gateway server port 8443") */
    public AcceptBackoff(GatewayMetrics metrics, String listener) {
        this.metrics = metrics;
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // An accepted connection: descriptors are available again.
        pauseMillis = FIRST_PAUSE.toMillis();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        boolean fdLimit = isFdLimit(cause);
        metrics.acceptFailed(fdLimit ? "fd_limit" : "other");
        unlogged++;
        long now = System.nanoTime();
        if (!logged || now - lastLogNanos >= LOG_INTERVAL.toNanos()) {
            log(ctx, cause, fdLimit);
            logged = true;
            lastLogNanos = now;
            unlogged = 0;
        }
        if (!paused) {
            paused = true;
            pause(ctx.channel(), pauseMillis);
            pauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE.toMillis());
        }
        // Not passed on: Netty's acceptor would log a stack trace for each failure.
    }

    /**
     * Stops accepting for {@code millis} (auto-read off: the transport submits no new accept; on
     * io_uring that needs single-shot accepts, see {@link Transport}).
     */
    private void pause(Channel ch, long millis) {
        ch.config().setAutoRead(false);
        // Nothing cancels the pause: the task only turns reading back on, and only on an open channel.
        ScheduledFuture<?> unused = ch.eventLoop().schedule(() -> {
            paused = false;
            if (ch.isOpen()) {
                ch.config().setAutoRead(true);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private void log(ChannelHandlerContext ctx, Throwable cause, boolean fdLimit) {
        String where = ctx.channel().localAddress() instanceof InetSocketAddress a
                ? listener + " on " + UpstreamConnector.format(a) : listener;
        String count = unlogged <= 1 ? "" : " (" + unlogged + " failures in the last "
                + LOG_INTERVAL.toSeconds() + " s)";
        if (fdLimit) {
            LOG.error("cannot accept connections on {}: {}{}: the process is at its open-file limit"
                            + " (RLIMIT_NOFILE {}); pausing accepts (up to {} ms at a time) until connections close"
                            + " or the limit is raised (ulimit -n, LimitNOFILE=, the container's nofile)",
                    where, cause.getMessage(), count, openFileLimit(), MAX_PAUSE.toMillis());
        } else {
            LOG.error("cannot accept connections on {}: {}{}; pausing accepts (up to {} ms at a time)",
                    where, cause.getMessage(), count, MAX_PAUSE.toMillis());
        }
    }

    /** EMFILE or ENFILE, as Netty's native transports and the JDK word them. */
    static boolean isFdLimit(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("too many open files")) {
                return true;
            }
        }
        return false;
    }

    /** The soft RLIMIT_NOFILE as the JVM sees it (getrlimit, no file access), or "unknown". */
    private static String openFileLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return String.valueOf(unix.getMaxFileDescriptorCount());
        }
        return "unknown";
    }
}
