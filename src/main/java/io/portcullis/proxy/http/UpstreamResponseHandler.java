package io.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The upstream side of a forwarded exchange: streams the response back to the client with
 * back-pressure, passing interim (1xx) responses through, and tells the {@link HttpProxyHandler}
 * when the final response has ended.
 */
final class UpstreamResponseHandler extends ChannelInboundHandlerAdapter {
    private final HttpProxyHandler proxy;
    private final Channel client;
    private boolean interim;

    UpstreamResponseHandler(HttpProxyHandler proxy, Channel client) {
        this.proxy = proxy;
        this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!client.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean last = false;
        if (msg instanceof HttpResponse response) {
            interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (!interim) {
                proxy.responseStarted(response.status().code());
                HopByHopHeaders.strip(response.headers());
                HttpUtil.setKeepAlive(response, proxy.clientKeepAlive());
            }
        }
        if (msg instanceof HttpContent content) {
            proxy.logBytesToClient(content.content().readableBytes());
            last = msg instanceof LastHttpContent && !interim;
        }
        client.write(msg);
        if (last) {
            client.flush();
            proxy.responseFinished();
        } else if (!client.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        client.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            proxy.upstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        proxy.upstreamClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
