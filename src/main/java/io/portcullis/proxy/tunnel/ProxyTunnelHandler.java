package io.portcullis.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of an HTTP CONNECT tunnel (RFC 9110 section 9.3.6) on a connection to an HTTP
 * proxy: sends the request, reads the proxy's response head (bounded in size and time), and
 * completes its promise once a 2xx arrives; any other answer fails it with the proxy's status. It
 * reads one buffer at a time with auto-read off, so the channel comes back as the connector hands
 * out every upstream channel: auto-read off, ready for the caller's pipeline.
 *
 * <p>Bytes that arrived behind the response head (a server that speaks first, e.g. MySQL's
 * greeting, in the same segment) are kept and passed on at the channel's first read after success,
 * when the caller's handlers are in place; the handler then leaves the pipeline.
 * Runs on the channel's event loop.
 */
final class ProxyTunnelHandler extends ChannelDuplexHandler {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    /** A proxy's answer to CONNECT is a status line and a few headers. */
    static final int MAX_RESPONSE_HEAD = 16 * 1024;
    private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/1\\.[01] (\\d{3})(?: ([^\\r\\n]*))?\\r\\n");

    private final String target;
    private final String proxy;
    private final Duration timeout;
    private final Promise<Void> established;
    private ByteBuf head;
    private ByteBuf leftover;
    private ScheduledFuture<?> timer;

    /**
     * @param target      {@code host:port} asked for in CONNECT
     * @param proxy       the proxy, for messages (its service name and address)
     * @param timeout     the whole response head must arrive within this
     * @param established completed when the tunnel is open, failed with an {@link UpstreamException}
     */
    ProxyTunnelHandler(String target, String proxy, Duration timeout, Promise<Void> established) {
        this.target = target;
        this.proxy = proxy;
        this.timeout = timeout;
        this.established = established;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        head = ctx.alloc().buffer(256);
        String request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n";
        timer = ctx.executor().schedule(() -> fail(ctx, new UpstreamException(Reason.UPSTREAM_TIMEOUT, "proxy " + proxy
                + " did not answer CONNECT " + target + " within " + timeout.toMillis() + " ms")),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(request.getBytes(StandardCharsets.US_ASCII)))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        fail(ctx, new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "sending CONNECT " + target
                                + " to proxy " + proxy + " failed: " + f.cause()));
                    }
                });
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (established.isDone()) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            head.writeBytes(in);
        } finally {
            in.release();
        }
        int end = endOfHead(head);
        if (end < 0) {
            if (head.readableBytes() > MAX_RESPONSE_HEAD) {
                fail(ctx, new UpstreamException(Reason.BAD_UPSTREAM_RESPONSE, "proxy " + proxy
                        + " answered CONNECT " + target + " with a response head over " + MAX_RESPONSE_HEAD + " bytes"));
            }
            return;
        }
        String text = head.toString(head.readerIndex(), end, StandardCharsets.ISO_8859_1);
        head.readerIndex(end);
        Optional<String> refusal = refusal(text);
        if (refusal.isPresent()) {
            fail(ctx, new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, refusal.get()));
            return;
        }
        timer.cancel(false);
        if (head.isReadable()) {
            leftover = head.retainedSlice();
        }
        head.release();
        head = null;
        if (leftover == null) {
            ctx.pipeline().remove(this);
        }
        established.trySuccess(null);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (established.isDone()) {
            ctx.fireChannelReadComplete();
        } else {
            ctx.read();
        }
    }

    /** The caller's first read after success: what arrived behind the response head goes first. */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (established.isSuccess() && leftover != null) {
            ByteBuf bytes = leftover;
            leftover = null;
            ctx.fireChannelRead(bytes);
            ctx.fireChannelReadComplete();
            ctx.pipeline().remove(this);
        }
        ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "proxy " + proxy
                + " closed the connection before answering CONNECT " + target));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!fail(ctx, new UpstreamException(Reason.UPSTREAM_CONNECT_FAILURE, "proxy " + proxy + " failed during CONNECT "
                + target + ": " + cause.getMessage()))) {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        ReferenceCountUtil.safeRelease(head);
        ReferenceCountUtil.safeRelease(leftover);
        head = null;
        leftover = null;
    }

    /** Null-free: empty for a 2xx, else why the tunnel is refused, naming the proxy's status. */
    private Optional<String> refusal(String responseHead) {
        Matcher m = STATUS_LINE.matcher(responseHead);
        if (!m.find()) {
            return Optional.of("proxy " + proxy + " answered CONNECT " + target + " with no HTTP status line");
        }
        int status = Integer.parseInt(m.group(1));
        if (status >= 200 && status < 300) {
            return Optional.empty();
        }
        String reasonPhrase = m.group(2) == null ? "" : " " + m.group(2).strip();
        return Optional.of("proxy " + proxy + " refused CONNECT " + target + ": " + status + reasonPhrase);
    }

    /** The index just past the blank line that ends the head, or -1. */
    private static int endOfHead(ByteBuf buf) {
        for (int i = buf.readerIndex(); i + 3 < buf.writerIndex(); i++) {
            if (buf.getByte(i) == '\r' && buf.getByte(i + 1) == '\n' && buf.getByte(i + 2) == '\r'
                    && buf.getByte(i + 3) == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** Fails the tunnel once and closes the connection; false when it had already ended. */
    private boolean fail(ChannelHandlerContext ctx, UpstreamException e) {
        if (!established.tryFailure(e)) {
            return false;
        }
        // Fire-and-forget: nothing here acts on how the close ends.
        ChannelFuture unused = ctx.close();
        return true;
    }
}
