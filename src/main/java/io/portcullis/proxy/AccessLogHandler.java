package io.portcullis.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.portcullis.telemetry.AccessLog;
import io.portcullis.telemetry.ConnectionLog;

/**
 * Writes the connection's access-log lines: one per HTTP exchange as each ends, and one when the
 * client connection closes for a tunnel, a TLS or TCP connection, or an exchange still under way.
 */
public final class AccessLogHandler extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private final AccessLog accessLog;
    private final ConnectionLog log;

    public AccessLogHandler(AccessLog accessLog, ConnectionLog log) {
        this.accessLog = accessLog;
        this.log = log;
        log.exchangesTo(accessLog::write);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        accessLog.write(log);
        ctx.fireChannelInactive();
    }
}
