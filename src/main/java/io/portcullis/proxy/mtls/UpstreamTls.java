package io.portcullis.proxy.mtls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.portcullis.model.AddressText;
import io.portcullis.policy.Reason;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.proxy.UpstreamException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Starts client TLS on a connected upstream channel, the sidecar's hop to the gateway: announces
 * {@code sni}, presents the context's certificate, verifies the peer against the context's roots
 * and, when given, one of {@code subjectAltNames}. The pipeline becomes
 * {@code [upstream-tls, read-hold]}: what the peer sends right after the handshake is held until
 * the relay is in place (remove {@link ReadHold} after joining). Runs on the channel's event loop.
 */
public final class UpstreamTls {
    private UpstreamTls() {
    }

    /** The future completes with {@code upstream} once the handshake and the name check pass. */
    public static Future<Channel> start(Channel upstream, SslContext context, String sni, int port,
                                        List<String> subjectAltNames, Duration timeout) {
        Promise<Channel> promise = upstream.eventLoop().newPromise();
        SslHandler ssl = sni == null ? context.newHandler(upstream.alloc())
                : context.newHandler(upstream.alloc(), sni, port);
        ssl.setHandshakeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        upstream.pipeline().addLast(PipelineNames.UPSTREAM_TLS, ssl);
        upstream.pipeline().addLast(PipelineNames.READ_HOLD, new ReadHold());
        // With auto-read off, the handshake still needs the first read; the handler asks for the rest.
        upstream.read();
        ssl.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = upstream.close();
                promise.tryFailure(new UpstreamException(Reason.TLS_HANDSHAKE_FAILED, "TLS to "
                        + AddressText.of(upstream.remoteAddress()) + " failed: " + describe(f.cause())));
                return;
            }
            if (!subjectAltNames.isEmpty() && !peerNamed(ssl, subjectAltNames)) {
                // Fire-and-forget: nothing here acts on how the close ends.
                ChannelFuture unused = upstream.close();
                promise.tryFailure(new UpstreamException(Reason.TLS_HANDSHAKE_FAILED, "the certificate of "
                        + AddressText.of(upstream.remoteAddress()) + " carries none of the subjectAltNames " + subjectAltNames));
                return;
            }
            promise.trySuccess(upstream);
        });
        return promise;
    }

    private static boolean peerNamed(SslHandler ssl, List<String> names) {
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x && SubjectAltNames.matches(x, names);
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getMessage() == null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
