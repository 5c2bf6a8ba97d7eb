package io.portcullis.proxy.sniff;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Shows each buffer to the connection's {@link ProtocolSniffer} and passes it on, unchanged, to
 * the relay behind it; one on the client pipeline and one on the upstream pipeline, sharing the
 * sniffer. Once the sniffer has stopped, the handler takes itself out of the pipeline.
 */
public final class SniffHandler extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private final ProtocolSniffer sniffer;
    private final boolean fromClient;

    public SniffHandler(ProtocolSniffer sniffer, boolean fromClient) {
        this.sniffer = sniffer;
        this.fromClient = fromClient;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && !sniffer.stopped()) {
            if (fromClient) {
                sniffer.clientBytes(buf);
            } else {
                sniffer.serverBytes(buf);
            }
        }
        ctx.fireChannelRead(msg);
        if (sniffer.stopped() && ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }
}
