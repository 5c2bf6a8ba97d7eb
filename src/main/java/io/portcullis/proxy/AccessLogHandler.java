package io.portcullis.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.portcullis.telemetry.AccessLog;
import io.portcullis.telemetry.ConnectionLog;

/** Writes the connection's one access-log line when the client connection closes. */
public final class AccessLogHandler extends ChannelInboundHandlerAdapter {
    private final AccessLog accessLog;
    private final ConnectionLog log;

    public AccessLogHandler(AccessLog accessLog, ConnectionLog log) {
        this.accessLog = accessLog;
        this.log = log;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        accessLog.write(log);
        ctx.fireChannelInactive();
    }
}
