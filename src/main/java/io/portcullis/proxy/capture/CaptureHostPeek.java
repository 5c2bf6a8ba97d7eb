package io.portcullis.proxy.capture;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.model.LiteralSplit;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.InputEndHold;
import io.portcullis.telemetry.ConnectionLog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Reads the head of a captured plain-HTTP request for its {@code Host} (RFC 9112 section 3.2:
 * the absolute-form target's host, else the Host header), decides with it, and replays the bytes
 * untouched into the relay. Bounded in size ({@code --max-header-size}) and time. Only the first
 * request of a connection is decided: the connection then is a byte stream to that destination, as
 * in Istio's sidecar for a TCP-proxied HTTP port.
 */
final class CaptureHostPeek extends ByteToMessageDecoder {
    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

    private final int maxHead;
    private final long timeoutMillis;
    private final CapturedFlow flow;
    private final ConnectionLog log;
    private ScheduledFuture<?> timeout;
    private boolean deciding;
    private final InputEndHold inputEnd = new InputEndHold();

    CaptureHostPeek(int maxHead, long timeoutMillis, CapturedFlow flow, ConnectionLog log) {
        this.maxHead = maxHead;
        this.timeoutMillis = timeoutMillis;
        this.flow = flow;
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            log.refused(Reason.INSPECT_TIMEOUT, "no complete request head within " + timeoutMillis + " ms");
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        inputEnd.replay(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!inputEnd.hold(evt)) {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (deciding) {
            return;
        }
        int end = indexOf(in, END_OF_HEAD);
        if (end < 0) {
            if (in.readableBytes() > maxHead) {
                deciding = true;
                log.refused(Reason.HEADER_TOO_LARGE, "request head larger than " + maxHead + " bytes");
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = ctx.close();
            }
            return;
        }
        deciding = true;
        timeout.cancel(false);
        String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        String host = host(head);
        flow.open(host, false).addListener((Future<Channel> f) -> flow.joinWhenReady(ctx, f, false));
    }

    /** The host a request head names, without port; null when it is not HTTP/1 or names none. */
    static String host(String head) {
        // Only the first line is read, and a limit of -1 changes none of its parts but the count, checked below.
        String[] lines = head.split("\r\n", -1);
        String[] requestLine = LiteralSplit.droppingTrailingEmpty(lines[0], ' ');
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            return null;
        }
        String target = requestLine[1];
        int scheme = target.indexOf("://");
        if (scheme > 0) {
            return stripPort(target.substring(scheme + 3).split("[/?#]", 2)[0]);
        }
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("host")) {
                String value = lines[i].substring(colon + 1).trim();
                return value.isEmpty() ? null : stripPort(value);
            }
        }
        return null;
    }

    private static String stripPort(String authority) {
        int at = authority.lastIndexOf('@');
        String a = at >= 0 ? authority.substring(at + 1) : authority;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            return close > 0 ? a.substring(1, close) : a;
        }
        int colon = a.lastIndexOf(':');
        return colon >= 0 ? a.substring(0, colon) : a;
    }

    private static int indexOf(ByteBuf in, byte[] needle) {
        int last = in.writerIndex() - needle.length;
        outer:
        for (int i = in.readerIndex(); i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (in.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
