package io.portcullis.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.model.AddressText;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code Authorization: Bearer TOKEN} (RFC 6750) on every admin request but the health
 * check and the live view's static files (which hold no data; the page asks for the token and
 * sends it with every request it makes), looking only at the request head, before any body is read. No credentials: 401 with
 * {@code WWW-Authenticate: Bearer}; a token that is not the one: 403. The connection is closed
 * after a refusal, so the refused body is never buffered. Tokens are never logged. Runs on the
 * admin event loop; one instance per connection.
 */
final class BearerAuthHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(BearerAuthHandler.class);
    private static final String PREFIX = "bearer ";
    private static final String OPEN_PATH = "/healthz/ready";

    private final AdminToken token;
    private boolean refusing;

    BearerAuthHandler(AdminToken token) {
        this.token = token;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            refusing = false;
            String path = new QueryStringDecoder(request.uri()).path();
            if (!path.equals(OPEN_PATH) && !UiAssets.isAsset(path)) {
                String refusal = check(request.headers().get(HttpHeaderNames.AUTHORIZATION));
                if (refusal != null) {
                    refusing = true;
                    boolean missing = refusal.startsWith("no ");
                    LOG.warn("admin: refused {} {} from {}: {}", request.method(), path, AddressText.of(ctx.channel().remoteAddress()),
                            refusal);
                    ReferenceCountUtil.release(msg);
                    refuse(ctx, missing ? HttpResponseStatus.UNAUTHORIZED : HttpResponseStatus.FORBIDDEN, refusal);
                    return;
                }
            }
        }
        if (refusing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Null when the header carries the token; otherwise why not, without repeating what was sent. */
    private String check(String authorization) {
        if (authorization == null) {
            return "no Authorization header (expected: Authorization: Bearer <token from --admin-token-file>)";
        }
        if (authorization.length() < PREFIX.length()
                || !authorization.substring(0, PREFIX.length()).equalsIgnoreCase(PREFIX)) {
            return "no bearer token (the Authorization header must use the Bearer scheme)";
        }
        return token.matches(authorization.substring(PREFIX.length()).strip()) ? null : "the bearer token is not accepted";
    }

    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
        byte[] body = ApiBodies.status(status.code(), status.equals(HttpResponseStatus.UNAUTHORIZED) ? "Unauthorized"
                : "Forbidden", reason, java.util.List.of()).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, "close");
        if (status.equals(HttpResponseStatus.UNAUTHORIZED)) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"portcullis-admin\"");
        }
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
